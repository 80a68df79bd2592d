package main

import (
	"context"
	"fmt"
	"io"

	"feedpub/loader"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newCommand("check", "Reads every post of the seed folder DIR and prints each problem to stderr as path:line: message,\nand a summary to stdout; exits 1 if any post is rejected.", stderr)
	cfg, err := common.parse(fs, args, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "feedpub: %s: %s\n", cfg.load.Root, cfg.load.Site)
	res, err := loader.New(cfg.load).Scan(ctx)
	if err != nil {
		return err
	}
	rejected := printProblems(stderr, cfg.load.Root, res.Problems)
	fmt.Fprintf(stdout, "feedpub: %s, %s read, %d rejected\n", plural(res.Files, "file"), plural(len(res.Posts), "post"), rejected)
	if rejected > 0 {
		return exitError(1)
	}
	return nil
}
