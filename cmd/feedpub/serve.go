package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"feedpub/feed"
	"feedpub/loader"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var common commonFlags
	common.register(fs)
	addr := fs.String("addr", "", "`address` to listen on (default 127.0.0.1:8080)")
	accessLog := fs.Bool("access-log", false, "log every request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: feedpub serve [flags]\n\nServes the feeds of the seed folder, rebuilt when a post changes and on the schedule.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	fc, err := loadConfig(&common, fs)
	if err != nil {
		return err
	}
	if *addr != "" {
		fc.Addr = *addr
	}
	cfg, err := fc.check()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv, err := newServer(cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	if *accessLog {
		srv.handler.Logger = log
	}
	log.Info("serving", "addr", ln.Addr().String(), "seeds", cfg.load.Root, "schedule", cfg.spec)
	return srv.run(ctx, ln)
}

// server keeps the served Site current: one rebuild loop fed by the
// watcher and the schedule.
type server struct {
	cfg     *config
	log     *slog.Logger
	loader  *loader.Loader
	builder *feed.Builder
	handler *feed.Handler
	kick    chan struct{} // a rebuild is wanted; holds at most one
	seen    map[string]bool
	mu      sync.Mutex // held by a rebuild
}

func newServer(cfg *config, log *slog.Logger) (*server, error) {
	b, err := feed.NewBuilder(cfg.site)
	if err != nil {
		return nil, err
	}
	return &server{
		cfg: cfg, log: log,
		loader:  loader.New(cfg.load),
		builder: b,
		handler: &feed.Handler{},
		kick:    make(chan struct{}, 1),
	}, nil
}

// trigger asks for a rebuild. Requests that come while one is pending
// merge into it: a burst never stacks rebuilds.
func (s *server) trigger() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// rebuild scans the folder and swaps in a new Site. A failure (or a panic)
// is logged and leaves the last good Site being served.
func (s *server) rebuild(ctx context.Context) (err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rebuild panicked: %v", r)
		}
		if err != nil && ctx.Err() == nil {
			s.log.Error("rebuild failed; still serving the last good feeds", "error", err)
		}
	}()
	res, err := s.loader.Scan(ctx)
	if err != nil {
		return err
	}
	s.logProblems(res.Problems)
	site, err := s.builder.Build(res.Posts, time.Now())
	if err != nil {
		return err
	}
	site.Compress()
	s.handler.Store(site)
	s.log.Info("rebuilt", "posts", site.Posts, "rejected", countRejected(res.Problems), "read", res.Read,
		"feeds", len(site.Feeds()), "duration", time.Since(start).Round(time.Microsecond))
	return nil
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

// run serves on ln until ctx is done, then shuts down within 5 seconds.
func (s *server) run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.handler.Site() == nil {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/", s.handler)
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()

	if err := s.rebuild(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("first build failed; retrying on the schedule", "error", err)
	}

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the rebuild loop: one at a time, requests merged
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.kick:
				s.rebuild(ctx)
			}
		}
	}()
	go func() {
		defer wg.Done()
		err := loader.Watch(ctx, s.cfg.load.Root, s.log, s.trigger)
		if err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("watch stopped; relying on the schedule", "error", err)
		}
	}()

	logger := cron.PrintfLogger(slog.NewLogLogger(s.log.Handler(), slog.LevelWarn))
	c := cron.New(cron.WithChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)))
	c.Schedule(s.cfg.schedule, cron.FuncJob(s.trigger))
	c.Start()

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	<-c.Stop().Done()
	cancel()
	sctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if serr := hs.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
