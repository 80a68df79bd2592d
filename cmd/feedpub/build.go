package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"feedpub/feed"
	"feedpub/loader"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	out := fs.String("out", "", "`folder` to write the site into (default public)")
	strict := fs.Bool("strict", false, "exit 1 when any post is rejected")
	gz := fs.Bool("gzip", false, "also write a .gz beside every file, for a server's gzip_static")
	quiet := fs.Bool("quiet", false, "print nothing but problems")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: feedpub build [flags]\n\nWrites every feed and page of the seed folder into -out, each file atomically.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	fc, err := loadConfig(&common, fs)
	if err != nil {
		return err
	}
	if *out != "" {
		fc.Out = *out
	}
	cfg, err := fc.check()
	if err != nil {
		return err
	}
	if err := checkOut(cfg.load.Root, cfg.out); err != nil {
		return err
	}

	start := time.Now()
	res, err := loader.New(cfg.load).Scan(ctx)
	if err != nil {
		return err
	}
	rejected := printProblems(stderr, res.Problems)
	site, err := feed.Build(res.Posts, cfg.site, time.Now())
	if err != nil {
		return err
	}
	n, err := site.WriteDir(cfg.out, feed.WriteOptions{Gzip: *gz})
	if err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "feedpub: %d posts published (%d rejected) in %d feeds; %d files written to %s in %v\n",
			site.Posts, rejected, len(site.Feeds()), n, cfg.out, time.Since(start).Round(time.Millisecond))
	}
	if *strict && rejected > 0 {
		return exitError(1)
	}
	return nil
}

// printProblems prints each problem on its own line and returns how many
// rejected a file.
func printProblems(w io.Writer, probs []*loader.Problem) int {
	n := 0
	for _, p := range probs {
		fmt.Fprintln(w, p.Error())
		if !p.Warn {
			n++
		}
	}
	return n
}
