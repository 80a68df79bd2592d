package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"feedpub/feed"
	"feedpub/feed/publish"
	"feedpub/loader"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newCommand("build", "Writes every feed and page of the seed folder DIR into -out, each file atomically.\nProblems go to stderr, one line each; the summary to stdout.", stderr)
	out := fs.String("out", "", "`folder` to write the site into (default public), or a bucket URL (s3://, gs://, azblob://, file://, mem://) to upload it to")
	strict := fs.Bool("strict", false, "exit 1 when any post is rejected")
	gz := fs.Bool("gzip", false, "also write a .gz beside every file, for a server's gzip_static")
	quiet := fs.Bool("quiet", false, "print nothing but problems: no progress, no summary")
	bucket := registerBucketFlags(fs)
	cfg, err := common.parse(fs, args, func(fc *fileConfig) {
		if *out != "" {
			fc.Out = *out
		}
	})
	if err != nil {
		return err
	}
	if !publish.IsBucketURL(cfg.out) {
		if err := publish.CheckOut(cfg.load.Root, cfg.out); err != nil {
			return err
		}
	}
	// Static files are not rebuilt every minute as serve's are: their RSS
	// ttl is build_ttl, not the schedule's period.
	cfg.site.TTL = cfg.buildTTL

	start := time.Now()
	prog := newProgress(stdout, stderr, *quiet)
	limit := os.Getenv("GOMEMLIMIT") == ""
	if limit { // the limit is the process's: put the old one back after
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	}
	if os.Getenv("GOGC") == "" { // see buildGCPercent
		defer debug.SetGCPercent(debug.SetGCPercent(buildGCPercent))
	}
	var kept int // posts the state gives, not read again
	cfg.load.Progress = func(done, total int) {
		if limit { // the first call: the folder's size is known
			debug.SetMemoryLimit(buildMemoryLimit(total, kept))
			limit = false
		}
		prog.update(done, total)
	}
	cfg.load.BodyBudget = buildBodyBudget
	cfg.load.SlimPosts = true
	res, st, now, err := scanWithState(ctx, cfg, *gz, stderr, &kept)
	prog.finish()
	if err != nil {
		return err
	}
	rejected := printProblems(stderr, cfg.load.Root, res.Problems)
	cfg.site.Memory = st // the content of posts in feeds that no longer read
	site, err := feed.BuildOnce(ctx, res.Posts, cfg.site, now, buildWhole(len(res.Posts), kept))
	if err != nil {
		return err
	}
	if publish.IsBucketURL(cfg.out) {
		if err := upload(ctx, site, cfg.out, bucket.options(cfg.site.TTL, *gz), stdout, stderr, *quiet); err != nil {
			return err
		}
		if *strict && rejected > 0 {
			return exitError(1)
		}
		return nil
	}

	n, err := publish.WriteDir(site, cfg.out, publish.Options{Gzip: *gz, Context: ctx, State: st, Now: now})
	if err != nil {
		return outError(cfg.out, err)
	}
	if !*quiet {
		fmt.Fprintf(stdout, "feedpub: %s published (%d rejected) in %s; %s written to %s in %v\n",
			plural(site.Posts, "post"), rejected, plural(len(site.Feeds()), "feed"), plural(n, "file"), cfg.out,
			time.Since(start).Round(time.Millisecond))
	}
	if *strict && rejected > 0 {
		return exitError(1)
	}
	return nil
}

// scanWithState reads the posts of cfg, told by the output's state what
// an earlier run read (and setting kept to how many posts it gives), and
// records them in the state as of now, which it returns.
func scanWithState(ctx context.Context, cfg *config, gz bool, stderr io.Writer, kept *int) (*loader.Result, *publish.State, time.Time, error) {
	ld, state, err := primedLoader(cfg, gz, slog.New(slog.NewTextHandler(stderr, nil)),
		func(st *publish.State) { *kept = st.Posts() })
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	res, err := ld.Scan(ctx)
	st := state()
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	now := time.Now()
	st.UpdatePosts(ld.Known(), now, cfg.editTimes)
	return res, st, now, nil
}

// primedLoader returns a loader told by the state of cfg's output folder
// (loadState) what an earlier run read, and a function that waits for the
// state and returns it: the state is read and decoded while the loader's
// first Scan walks the folder (Loader.PrimeWith), and given to loaded as
// soon as it is, before any post is read.
func primedLoader(cfg *config, gz bool, log *slog.Logger, loaded func(*publish.State)) (*loader.Loader, func() *publish.State, error) {
	in, fp, err := stateSource(cfg, gz)
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan *publish.State, 1)
	go func() { ch <- publish.LoadDirState(in, publish.BuildState, fp, log) }()
	var st *publish.State
	state := func() *publish.State { // called by one goroutine at a time: Scan's, then ours
		if st == nil {
			st = <-ch
			loaded(st)
		}
		return st
	}
	ld := loader.New(cfg.load)
	ld.PrimeWith(func() []loader.Known { return state().Known() })
	return ld, state, nil
}

// loadState loads the state of cfg's output folder (a bucket keeps its
// own: none): what build and serve both start from.
func loadState(cfg *config, gz bool, log *slog.Logger) (*publish.State, error) {
	in, fp, err := stateSource(cfg, gz)
	if err != nil {
		return nil, err
	}
	return publish.LoadDirState(in, publish.BuildState, fp, log), nil
}

// stateSource is where the state of cfg's output folder is ("" for a
// bucket's, which keeps its own) and its fingerprint.
func stateSource(cfg *config, gz bool) (in, fingerprint string, err error) {
	cfg.load.KeepLastGood = true // from the state: a post published stays while it does not read
	fp, err := buildFingerprint(cfg, gz)
	if err != nil {
		return "", "", err
	}
	if publish.IsBucketURL(cfg.out) {
		return "", fp, nil
	}
	return cfg.out, fp, nil
}

// buildFingerprint is the fingerprint of build's state for cfg: what the
// output depends on besides the posts.
func buildFingerprint(cfg *config, gz bool) (string, error) {
	site, err := feed.Fingerprint(cfg.site)
	if err != nil {
		return "", err
	}
	root, err := filepath.Abs(cfg.load.Root)
	if err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	ld := cfg.load
	return publish.Fingerprint(site, root, ld.Location.String(), fmt.Sprint(ld.MaxSize, ld.ModTimeDates, cfg.editTimes, gz),
		fmt.Sprintf("%+v", ld.Site)), nil
}

// printProblems prints each problem on its own line and returns how many
// rejected a file. Paths are joined to the seed folder root, so that they
// open from where the command ran: relative to the working directory, or
// absolute.
func printProblems(w io.Writer, root string, probs []*loader.Problem) int {
	for _, p := range probs {
		q := *p
		q.Path = filepath.Join(root, filepath.FromSlash(p.Path))
		fmt.Fprintln(w, q.Escaped())
	}
	return countRejected(probs)
}

// plural is n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// outError names the output folder (or the folder in it) that could not
// be written, rather than a temporary file inside it.
func outError(out string, err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return fmt.Errorf("build: cannot write to %s: %w", out, err)
	}
	where := filepath.Clean(pe.Path)
	if strings.HasPrefix(filepath.Base(where), ".feedpub-tmp") {
		where = filepath.Dir(where)
	}
	if !filepath.IsAbs(where) && where != filepath.Clean(out) {
		where = filepath.Join(out, where)
	}
	return fmt.Errorf("build: cannot write to %s%c: %w", where, filepath.Separator, pe.Err)
}

// progress shows the reading of posts: a bar with posts/s when stderr is a
// terminal; otherwise a plain line on stdout each second of a long read
// (stderr keeps one line per rejected post); nothing when quiet.
type progress struct {
	w     io.Writer // the bar's, or the lines'
	lines int       // plain lines printed
	quiet bool
	tty   bool
	bar   *progressbar.ProgressBar
	start time.Time
	last  time.Time
	done  int
	total int
}

func newProgress(stdout, stderr io.Writer, quiet bool) *progress {
	now := time.Now()
	p := &progress{w: stdout, quiet: quiet, start: now, last: now}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.w = true, stderr
		}
	}
	return p
}

// update is loader.Config.Progress: called one at a time.
func (p *progress) update(done, total int) {
	if p.quiet {
		return
	}
	p.done, p.total = done, total
	if p.tty {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription("reading posts"),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("posts"),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		p.bar.Set(done)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= time.Second && done < total {
		p.last = now
		p.line()
	}
}

// finish ends the bar, or prints the last line.
func (p *progress) finish() {
	switch {
	case p.quiet || p.total == 0:
	case p.bar != nil:
		p.bar.Finish()
	case p.lines > 0: // a read short enough to print no line needs no last one
		p.line()
	}
}

func (p *progress) line() {
	p.lines++
	rate := float64(p.done) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "feedpub: read %d of %d posts (%.0f posts/s)\n", p.done, p.total, rate)
}

// bodyBudget is the size of a seed folder up to which posts' bodies stay
// in memory while serving; past it, only the bodies the feeds show are read
// again.
const bodyBudget = 256 << 20

// buildMemoryLimit is the soft limit on build's heap for a folder of n
// posts (GOMEMLIMIT sets another). A build makes garbage fast at a steady
// live heap of about 1.7 KB a post (180 MB for 100,000): paced by GOGC
// alone, its heap then peaks anywhere from 400 MB to 1 GB; under this limit
// garbage is collected more often instead, for about 10% more CPU.
//
// Posts given by the state (kept) cost more, as the state holds their
// records besides: 4 KB each.
//
// A build that keeps content as it is (buildWhole) has a lower limit: the
// content it keeps (41 MB at 10,000 gen posts) would otherwise raise the
// heap's peak by three times as much (GOGC 200: peak RSS 297 MB). At 180
// MiB its peak RSS is that of a build that keeps none under 256 MiB, for
// less CPU: cold builds of 10,000 gen posts, 4 alternated rounds each
// (ext4 in RAM), 218-220 against 220-238 MB, user CPU 2.06-2.24 s
// against 2.17-2.41 s.
func buildMemoryLimit(n, kept int) int64 {
	if buildWhole(n, kept) > 0 {
		return 180 << 20
	}
	return max(256<<20, postsHeap(n, kept))
}

// postsHeap is about the heap that the posts of a build take: n posts,
// kept of them given by the state (see buildMemoryLimit).
func postsHeap(n, kept int) int64 { return int64(n)*(5<<10)/2 + int64(kept)*(4<<10) }

// buildWhole is how many bytes of the content of posts in feeds a build of
// n posts (kept of them given by the state) keeps as it is (feed.BuildOnce):
// 64 MiB while its posts take little of the heap (up to about 13,000 posts),
// so that the content fits under buildMemoryLimit's lower limit; else none
// (the state's posts count as a post and a half each).
func buildWhole(n, kept int) int64 {
	if postsHeap(n, kept) > 32<<20 {
		return 0
	}
	return 64 << 20
}

// buildGCPercent is build's GOGC (the environment's GOGC sets another).
// A build's live heap is small beside what it makes and drops, even with
// the bodies it writes made in reused buffers (feed.Site.TakeBody): at the
// default 100 it collects garbage about twice as often as at 200, for more
// CPU than the smaller heap saves in page faults; past that the memory
// limit (buildMemoryLimit) bounds the heap as before. A lower limit
// trades the same way.
const buildGCPercent = 200

// buildBodyBudget is bodyBudget for build, which shows each post twice at
// most (its page, and its feeds, whose content is kept): past it, posts
// are kept slim and read again when shown, which costs less than holding
// the folder.
const buildBodyBudget = 16 << 20
