package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"feedpub/feed"
	"feedpub/feed/feedhttp"
	"feedpub/feed/publish"
	"feedpub/loader"
)

// server keeps the served Site current: one rebuild at a time, fed by the
// watcher (changed paths), the schedule (a full rescan, the safety net)
// and a timer for the next post that comes due.
type server struct {
	cfg     *config
	log     *slog.Logger
	loader  *loader.Loader
	builder *feed.Builder
	handler *feedhttp.Handler
	pinger  *feedhttp.Pinger // tells the WebSub hub of changed feeds; nil without a hub
	kick    chan struct{}    // a rebuild is wanted; holds at most one
	mu      sync.Mutex       // held by a rebuild
	refused int              // files rejected by the last scan, for metrics; guarded by mu

	// Guarded by mu: what the last rebuild saw.
	last *loader.Result
	seen map[string]bool
	due  *time.Timer // fires when the next future post comes due

	pmu   sync.Mutex      // guards what the next rebuild must look at
	full  bool            // rescan everything
	paths map[string]bool // changed files and folders

	// The output folder, which the handler serves: written by each
	// rebuild (publish.Write, as build writes it, with the same state)
	// under outMu, the pages it leaves for later by pager and the
	// compressed siblings by packer, in the background, each under outMu's
	// read lock (they write different files).
	st     *publish.State
	out    *publish.Dir
	outMu  sync.RWMutex
	folder *feedhttp.Folder
	packer *publish.Packer
	pager  *pager
	prime  bool // the loader is still to be told what the state knows; guarded by mu
	// latest is the Site of the last rebuild: only its files are
	// published (publishIndex, under ixMu), by it or the pager.
	latest atomic.Pointer[feed.Site]
	ixMu   sync.Mutex
	held   atomic.Int64 // pages of posts the last published index holds

	hook   func()       // for tests: called at the start of each rebuild
	mirror *mirror      // serve -publish: each new Site goes to a bucket too
	mem    *memoryLimit // serve's memory limit, raised to the folder's needs; nil for none
}

func newServer(cfg *config, log *slog.Logger) (*server, error) {
	if err := publish.CheckOut(cfg.load.Root, cfg.out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	cfg.load.BodyBudget = buildBodyBudget
	cfg.load.SlimPosts = true
	var s *server
	cfg.load.Progress = func(done, total int) {
		if done == 1 { // the first file read of a scan: how many there are is known
			s.mem.forPosts(total)
		}
	}
	st, err := loadState(cfg, false, log)
	if err != nil {
		return nil, err
	}
	cfg.site.Memory = st // as build: the content of posts that no longer read, the removed
	b, err := feed.NewLeanBuilder(cfg.site)
	if err != nil {
		return nil, err
	}
	s = &server{cfg: cfg, log: log, loader: loader.New(cfg.load), builder: b,
		handler: &feedhttp.Handler{Metrics: feedhttp.NewMetrics(), Logger: log}, // set before it answers: at once, on restart
		kick:    make(chan struct{}, 1), paths: map[string]bool{}, st: st, prime: true}
	s.pager = newPager(s)
	if s.out, err = publish.OpenDir(cfg.out); err != nil {
		return nil, err
	}
	if s.folder, err = feedhttp.OpenFolder(cfg.out); err != nil {
		s.out.Close()
		return nil, err
	}
	if s.packer, err = publish.NewPacker(cfg.out, s.out, s.outMu.RLocker(), st, s.handler.SiblingsWritten, log); err != nil {
		s.out.Close()
		s.folder.Close()
		return nil, err
	}
	s.packer.PostsDuty = pagerDuty
	// What the last run published is served at once, and checked by the
	// first rebuild.
	if files := st.Published(); len(files) > 0 {
		s.handler.PublishFolder(feedhttp.Publication{Folder: s.folder, Files: files, Config: b.Config()})
		s.packer.Offer(files)
	}
	return s, nil
}

// close releases the output folder.
func (s *server) close() {
	s.out.Close()
	s.folder.Close()
}

// trigger asks for a rebuild that looks at paths, or at the whole folder
// when paths is nil. Requests that come while one is pending merge into
// it: a burst never stacks rebuilds.
func (s *server) trigger(paths []string) {
	s.pmu.Lock()
	if paths == nil {
		s.full = true
	}
	for _, p := range paths {
		s.paths[p] = true
	}
	s.pmu.Unlock()
	s.wake()
}

// wake asks for a rebuild without new paths: posts may have come due.
func (s *server) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// loop runs the rebuilds that trigger and wake ask for, one at a time,
// until ctx is done.
func (s *server) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
			s.rebuild(ctx)
		}
	}
}

// scheduled is the cron job: a full rescan and rebuild, the safety net for
// anything the watcher missed. A tick that comes while a rebuild is still
// running is skipped, not queued. The chain must put SkipIfStillRunning
// outside Recover: with robfig/cron v3.0.1 the other order leaves the
// job's lock held after a panic, and the job never runs again.
func (s *server) scheduled(ctx context.Context) cron.Job {
	return cron.FuncJob(func() {
		if !s.mu.TryLock() {
			s.log.Info("scheduled rebuild skipped: a rebuild is still running")
			return
		}
		defer s.mu.Unlock()
		s.pmu.Lock()
		s.full = true
		s.pmu.Unlock()
		s.rebuildLocked(ctx)
	})
}

// cronChain is the order of wrappers for the schedule (see scheduled).
func cronChain(log *slog.Logger) cron.Option {
	l := cron.PrintfLogger(slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	return cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l))
}

// rebuild brings the served Site up to date.
func (s *server) rebuild(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebuildLocked(ctx)
}

// rebuildLocked re-reads what changed (every file after a full request or a
// failure, the changed paths otherwise, nothing when only time moved on)
// and swaps in a new Site. A failure or a panic is logged and leaves the
// last good Site being served; the next rebuild rescans everything.
func (s *server) rebuildLocked(ctx context.Context) (err error) {
	start := time.Now()
	s.pmu.Lock()
	full, paths := s.full || s.last == nil, s.paths
	s.full, s.paths = false, map[string]bool{}
	s.pmu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rebuild panicked: %v", r)
		}
		if err != nil {
			s.pmu.Lock()
			s.full = true
			s.pmu.Unlock()
			if ctx.Err() == nil {
				s.log.Error("rebuild failed; still serving the last good feeds", "error", err)
			}
		}
		if m := s.handler.Metrics; m != nil && err != nil && ctx.Err() == nil {
			m.Rebuild(time.Since(start), err, 0, 0, time.Now())
		}
	}()
	if s.hook != nil {
		s.hook()
	}
	if s.prime { // at the first rebuild, not before the first answer
		s.loader.Prime(s.st.Known())
		s.prime = false
	}
	if s.last == nil { // the first build
		defer s.mem.byLimit()()
	}
	res, err := s.load(ctx, full, paths)
	if err != nil {
		return err
	}
	scanned := time.Since(start)
	s.logProblems(res.Problems)
	s.refused = countRejected(res.Problems)
	now := time.Now()
	if res.Changed != nil && res != s.last { // an Update: the state's other posts are as they were
		s.st.UpdateSome(s.loader.KnownOf(res.Changed), res.Changed, now, s.cfg.editTimes)
	} else if res != s.last {
		s.st.UpdatePosts(s.loader.Known(), now, s.cfg.editTimes)
	}
	site, wrote, deferred, err := s.write(ctx, res.Posts, now)
	if err != nil {
		return err
	}
	written := time.Since(start)
	if m := s.handler.Metrics; m != nil { // counted before anyone can see the new files
		m.Rebuild(time.Since(start), nil, site.Posts, s.refused, time.Now())
	}
	level := slog.LevelInfo
	if wrote == 0 && s.last != nil && slices.Equal(s.last.Posts, res.Posts) { // a tick that changed nothing
		level = slog.LevelDebug
	}
	s.publishIndex(site)
	if deferred {
		s.pager.offer(site, now)
	}
	if s.mirror != nil {
		s.mirror.offer(site) // in the background: never waits
	}
	s.last = res
	s.mem.forLive()
	s.scheduleDue(site.NextDue, now)
	s.log.Log(ctx, level, "rebuilt", "posts", site.Posts, "rejected", s.refused, "read", res.Read,
		"full", full, "written", wrote, "feeds", len(site.Feeds()), "duration", time.Since(start).Round(time.Microsecond),
		"scan", scanned.Round(time.Microsecond), "wrote_at", written.Round(time.Microsecond))
	return nil
}

// load reads the seed folder again: all of it when full, else the paths
// changed (none: the last result).
func (s *server) load(ctx context.Context, full bool, paths map[string]bool) (*loader.Result, error) {
	switch {
	case full:
		return s.loader.Scan(ctx)
	case len(paths) > 0:
		list := make([]string, 0, len(paths))
		for p := range paths {
			list = append(list, p)
		}
		return s.loader.Update(ctx, list)
	}
	return s.last, nil
}

// write builds the Site of posts and publishes it into the output folder,
// as build does: only the files whose bytes change, each atomically,
// their compressed siblings removed (the packer makes them again), the
// state saved. It returns the Site, how many files it wrote, and whether
// it left pages of posts to the pager. It holds the folder's lock
// throughout: the pager and the packer, which take it for each batch or
// file, leave the cores to the rebuild meanwhile.
func (s *server) write(ctx context.Context, posts []*loader.Post, now time.Time) (*feed.Site, int, bool, error) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	site, err := s.builder.Build(posts, now)
	if err != nil {
		return nil, 0, false, err
	}
	s.latest.Store(site)
	var deferP func(string) bool
	if int64(site.Posts) > s.held.Load()+deferMin { // a first build: all but the feeds of all posts wait
		deferP = deferFirst
	}
	n, err := publish.Write(site, s.out, publish.Options{Context: ctx, State: s.st, Now: now,
		Siblings: publish.SiblingExts, Defer: deferP})
	if err != nil {
		return nil, n, false, fmt.Errorf("serve: writing %s: %w", s.cfg.out, err)
	}
	return site, n, deferP != nil, nil
}

// publishIndex makes the files the state says the folder holds the ones
// served, with site, unless a later rebuild made another Site; the packer
// and the hub are told of those that changed. It costs what changed
// since the last call (State.PublishedChanges), not the folder.
func (s *server) publishIndex(site *feed.Site) {
	s.ixMu.Lock()
	defer s.ixMu.Unlock()
	if s.latest.Load() != site {
		return
	}
	c := s.st.PublishedChanges()
	s.handler.PublishFolder(feedhttp.Publication{Folder: s.folder, Files: c.Files, Update: !c.All, Gone: c.Gone,
		Site: site, Config: s.builder.Config()})
	if c.All {
		s.packer.Offer(c.Files)
		s.held.Store(0)
	} else {
		s.packer.OfferChanges(c.Files, c.Gone)
	}
	n := s.held.Load()
	for _, f := range c.Files[:c.Added] {
		if deferPage(f.Path) {
			n++
		}
	}
	for _, name := range c.Gone {
		if deferPage(publish.URLPath(name)) {
			n--
		}
	}
	s.held.Store(n)
	if s.pinger != nil {
		s.pinger.Notify(changedFeeds(c.Bytes, site)) // queued: never waits for the hub
	}
}

// changedFeeds is the URLs of the feeds among files, sorted.
func changedFeeds(files []publish.Published, site *feed.Site) []string {
	var out []string
	for _, f := range files {
		if feed.KindOf(f.Path) == feed.KindFeed {
			out = append(out, site.URL(f.Path))
		}
	}
	slices.Sort(out)
	return out
}

// scheduleDue sets a timer that wakes the loop when the next future post
// comes due, so that it appears at its time rather than at the next tick.
func (s *server) scheduleDue(next, now time.Time) {
	if s.due != nil {
		s.due.Stop()
		s.due = nil
	}
	if next.IsZero() {
		return
	}
	s.due = time.AfterFunc(dueIn(next, now), s.wake)
}

// maxDueWait is the longest the timer for a future post waits: a post
// dated centuries ahead is looked at again each day, as if it were due.
const maxDueWait = 24 * time.Hour

// dueIn is how long to wait for a post dated next. A date more than 292
// years ahead saturates next.Sub(now) to the largest Duration, which
// anything added wraps negative (a timer that fires at once, forever):
// the wait is clamped before the margin is added.
func dueIn(next, now time.Time) time.Duration {
	d := min(next.Sub(now), maxDueWait)
	// Dates have whole seconds: a little after, the post is surely due.
	return max(d, 0) + 10*time.Millisecond
}

// logProblems logs each problem once, not on every rebuild.
func (s *server) logProblems(probs []*loader.Problem) {
	seen := make(map[string]bool, len(probs))
	for _, p := range probs {
		msg := p.Error()
		seen[msg] = true
		if s.seen[msg] {
			continue
		}
		if p.Warn {
			s.log.Warn("post", "problem", msg)
		} else {
			s.log.Error("post rejected", "problem", msg)
		}
	}
	s.seen = seen
}

func countRejected(probs []*loader.Problem) int {
	n := 0
	for _, p := range probs {
		if !p.Warn {
			n++
		}
	}
	return n
}
