package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"feedpub/feed/feedhttp"
	"feedpub/loader"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newCommand("serve", "Serves the feeds and pages of the seed folder DIR, rebuilt when a post changes and on the schedule.", stderr)
	addr := fs.String("addr", "", "`address` to listen on (default 127.0.0.1:8080)")
	out := fs.String("out", "", "`folder` to publish into and serve from (default public), the same as build's")
	accessLog := fs.Bool("access-log", false, "log every request")
	pub := fs.String("publish", "", "also publish every rebuild to this bucket `URL` (s3://, gs://, azblob://, file://), incrementally, in the background")
	bucket := registerBucketFlags(fs)
	cfg, err := common.parse(fs, args, func(fc *fileConfig) {
		if *addr != "" {
			fc.Addr = *addr
		}
		if *out != "" {
			fc.Out = *out
		}
	})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	mem := newMemoryLimit() // the setting is the process's: put it back after
	defer mem.restore()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv, err := newServer(cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	srv.mem = mem
	mem.forPosts(srv.st.Posts()) // a restart: the state knows the folder
	srv.handler.AccessLog = *accessLog
	if *pub != "" {
		srv.mirror = newMirror(*pub, bucket.options(cfg.site.TTL, false), log)
	}
	log.Info("serving", "addr", ln.Addr().String(), "seeds", cfg.load.Root, "schedule", cfg.spec)
	return srv.run(ctx, ln)
}

// run serves on ln until ctx is done, then shuts down within 5 seconds.
func (s *server) run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.handler.Metrics == nil {
		s.handler.Metrics = feedhttp.NewMetrics()
	}
	if s.handler.Logger == nil {
		s.handler.Logger = s.log
	}

	hs := &http.Server{
		Handler:           s.routes(),
		ConnContext:       feedhttp.ConnContext,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(feedhttp.CorkListener(ln)) }()

	var wg sync.WaitGroup
	s.startWorkers(ctx, &wg)

	c := cron.New(cronChain(s.log))
	c.Schedule(s.cfg.schedule, s.scheduled(ctx))
	c.Start()

	var err error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down", "reason", context.Cause(ctx).Error())
	case err = <-serveErr:
		s.log.Error("shutting down", "reason", "server failed", "error", err)
	}
	<-c.Stop().Done()
	cancel()
	sctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if serr := hs.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	wg.Wait()
	s.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.log.Info("stopped")
	return err
}

// startWorkers starts, until ctx is done, the rebuilds, the watcher, the
// packer and pager of the output folder, and the pinger and mirror if
// asked for. The first build is the watcher's: once its watch is set up
// (or cannot be) it asks for a full scan, so nothing changed in between
// is missed, and there is one build at start-up, not two.
func (s *server) startWorkers(ctx context.Context, wg *sync.WaitGroup) {
	s.startPinger(ctx, wg)
	work := []func(){
		func() { s.packer.Run(ctx) },
		func() { s.pager.run(ctx) },
		func() { s.loop(ctx) },
		func() {
			err := loader.Watch(ctx, s.cfg.load.Root, s.log, s.trigger)
			if err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("watch stopped; relying on the schedule", "error", err)
			}
		},
	}
	if s.mirror != nil {
		work = append(work, func() { s.mirror.run(ctx) })
	}
	for _, fn := range work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
}

// startPinger starts telling the WebSub hub, if the site has one, of the
// feeds each rebuild changes, until ctx is done.
func (s *server) startPinger(ctx context.Context, wg *sync.WaitGroup) {
	if hub := s.cfg.site.Hub; hub != "" && s.pinger == nil {
		s.pinger = feedhttp.NewPinger(hub, s.log, s.handler.Metrics)
	}
	if s.pinger != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.pinger.Run(ctx)
		}()
	}
}

// routes sends /healthz and /metrics to their handlers and every other
// path to the feeds. A switch rather than a ServeMux: the feed path is the
// hot one, and the feed handler only looks paths up in the Site, so no
// path cleaning is needed to keep requests inside it.
func (s *server) routes() http.Handler {
	health := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !s.handler.Ready() {
			http.Error(w, "starting: the first build is not served yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	var metrics http.Handler = http.NotFoundHandler()
	if m := s.handler.Metrics; m != nil {
		health = m.HealthHandler(health)
		metrics = m.Handler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			health.ServeHTTP(w, r)
		case "/metrics":
			metrics.ServeHTTP(w, r)
		default:
			s.handler.ServeHTTP(w, r)
		}
	})
}
