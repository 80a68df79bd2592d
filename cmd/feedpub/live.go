package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"feedpub/feed"
	"feedpub/loader"
)

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
	refused int        // files rejected by the last scan, for metrics
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
	s.refused = countRejected(res.Problems)
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
