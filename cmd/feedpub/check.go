package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"feedpub/loader"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: feedpub check [flags]\n\nReads every post and prints each problem as path:line: message; exits 1 if any post is rejected.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	fc, err := loadConfig(&common, fs)
	if err != nil {
		return err
	}
	cfg, err := fc.check()
	if err != nil {
		return err
	}
	res, err := loader.New(cfg.load).Scan(ctx)
	if err != nil {
		return err
	}
	rejected := printProblems(stdout, res.Problems)
	fmt.Fprintf(stderr, "feedpub: %d files, %d posts read, %d rejected\n", res.Files, len(res.Posts), rejected)
	if rejected > 0 {
		return exitError(1)
	}
	return nil
}
