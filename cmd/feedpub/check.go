package main

import (
	"context"
	"fmt"
	"io"

	"feedpub/loader"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newCommand("check", "Reads every post and prints each problem as path:line: message; exits 1 if any post is rejected.", stderr)
	cfg, err := common.parse(fs, args, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "feedpub: %s: %s\n", cfg.load.Root, cfg.load.Site)
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
