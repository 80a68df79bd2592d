package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"feedpub/internal/gen"
)

// runGen writes synthetic posts in the seed format, for benchmarks (see
// gen.Write). The same flags always give the same files.
func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000, "number of `posts` to write")
	out := fs.String("out", "", "`folder` to write them into (created; must be empty or hold only generated posts)")
	cats := fs.Int("cats", 200, "number of `categories` to draw from")
	size := fs.Int("size", 8<<10, "approximate body size in `bytes`")
	seed := fs.Uint64("seed", 1, "random `seed`")
	quiet := fs.Bool("quiet", false, "print nothing")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: feedpub gen -n N -out DIR [flags]\n\nWrites N synthetic posts for benchmarks, in yearly subfolders of DIR.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return errors.New("gen: -out is required")
	case *n < 0 || *cats < 1 || *size < 0:
		return errors.New("gen: -n and -size must not be negative, -cats must be positive")
	}
	start := time.Now()
	if err := gen.Write(ctx, *out, *n, gen.Options{Cats: *cats, Size: *size, Seed: *seed}); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "feedpub: %d posts written to %s in %v\n", *n, *out, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
