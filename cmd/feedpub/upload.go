package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"feedpub/feed"
	"feedpub/feed/publish"
)

// bucketFlags are the flags of publishing to a bucket (build -out URL,
// serve -publish URL).
type bucketFlags struct {
	dryRun   *bool
	layout   *string
	parallel *int
	sMaxAge  *time.Duration
}

func registerBucketFlags(fs *flag.FlagSet) *bucketFlags {
	return &bucketFlags{
		dryRun:   fs.Bool("dry-run", false, "with a bucket URL: print what would be uploaded and deleted, change nothing"),
		layout:   fs.String("layout", "plain", "with a bucket URL: compressed variants `plain` (the CDN compresses), gzip (in place; GCS transcodes) or sibling (x and x.gz)"),
		parallel: fs.Int("parallel", 16, "with a bucket URL: uploads in flight at once"),
		sMaxAge:  fs.Duration("s-maxage", 0, "with a bucket URL: how long a CDN keeps an object (default the schedule's period)"),
	}
}

// options turns the flags into a Bucket's options; ttl is the schedule's
// period and gz says -gzip was given.
func (f *bucketFlags) options(ttl time.Duration, gz bool) publish.BucketOptions {
	o := publish.BucketOptions{
		TTL: ttl, SMaxAge: *f.sMaxAge, Layout: publish.Layout(*f.layout),
		Parallel: *f.parallel, DryRun: *f.dryRun,
	}
	if gz && o.Layout == publish.LayoutPlain {
		o.Layout = publish.LayoutSibling
	}
	return o
}

// upload publishes site to the bucket at url for build, with a progress
// bar on a terminal and a summary line; a failure prints a message and
// exits 1.
func upload(ctx context.Context, site *feed.Site, url string, opt publish.BucketOptions, stdout, stderr io.Writer, quiet bool) error {
	var bar *progressbar.ProgressBar
	if f, ok := stderr.(*os.File); ok && !quiet {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			bar = progressbar.NewOptions(-1,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("checking and uploading"),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			var once sync.Once
			opt.Progress = func(done, total int) { // from many goroutines: the bar locks
				once.Do(func() { bar.ChangeMax(total) })
				bar.Set(done)
			}
		}
	}
	st, err := publish.Upload(ctx, site, url, opt)
	if bar != nil {
		bar.Finish()
	}
	for _, c := range st.Changes {
		fmt.Fprintln(stdout, "would", c)
	}
	if err != nil {
		fmt.Fprintln(stderr, "feedpub:", err)
		if !quiet && st.Requests > 0 {
			fmt.Fprintln(stderr, "feedpub: stopped after:", st)
		}
		return exitError(1)
	}
	if !quiet {
		what := "published to"
		if opt.DryRun {
			what = "dry run against"
		}
		fmt.Fprintf(stdout, "feedpub: %d posts in %d feeds %s %s: %s\n", site.Posts, len(site.Feeds()), what, url, st)
	}
	return nil
}
