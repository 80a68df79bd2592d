package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

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
	raw := func(p string) []byte {
		b, _ := os.ReadFile(filepath.Join(cfg.load.Root, filepath.FromSlash(p)))
		return b
	}
	lint := loader.Lint(res.Posts, raw, cfg.load.Location, time.Now())
	printProblems(stderr, cfg.load.Root, lint)
	fmt.Fprintf(stdout, "feedpub: %s, %s read, %d rejected, %s\n", plural(res.Files, "file"), plural(len(res.Posts), "post"), rejected, plural(len(lint), "warning"))
	if rejected > 0 {
		return exitError(1)
	}
	return nil
}
