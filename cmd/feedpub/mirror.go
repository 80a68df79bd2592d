package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"feedpub/feed"
	"feedpub/feed/publish"
)

// A mirror publishes each rebuilt Site to a bucket (serve -publish URL) in
// the background: one upload at a time, each incremental; a Site that
// comes while one uploads waits, and a newer one replaces it. A rebuild
// only hands its Site over and never waits. A failed upload is logged and
// counted, and tried again after retryAfter unless a newer Site comes.
type mirror struct {
	url        string
	opt        publish.BucketOptions
	log        *slog.Logger
	retryAfter time.Duration

	mu   sync.Mutex
	next *feed.Site // waiting; guarded by mu
	kick chan struct{}

	uploads, failures atomic.Int64
}

func newMirror(url string, opt publish.BucketOptions, log *slog.Logger) *mirror {
	return &mirror{url: url, opt: opt, log: log, retryAfter: 30 * time.Second, kick: make(chan struct{}, 1)}
}

// offer hands s over to be published; it never blocks.
func (m *mirror) offer(s *feed.Site) {
	m.mu.Lock()
	m.next = s
	m.mu.Unlock()
	m.wake()
}

func (m *mirror) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// run publishes what is offered until ctx is done.
func (m *mirror) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.kick:
		}
		m.mu.Lock()
		s := m.next
		m.next = nil
		m.mu.Unlock()
		if s == nil {
			continue
		}
		st, err := publish.Upload(ctx, s, m.url, m.opt)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			n := m.failures.Add(1)
			m.log.Error("publishing to the bucket failed; serving goes on", "bucket", m.url, "error", err, "failures", n)
			time.AfterFunc(m.retryAfter, func() {
				m.mu.Lock()
				if m.next == nil {
					m.next = s
				}
				m.mu.Unlock()
				m.wake()
			})
			continue
		}
		m.uploads.Add(1)
		m.log.Info("published to the bucket", "bucket", m.url, "uploaded", st.Uploaded, "unchanged", st.Unchanged,
			"deleted", st.Deleted, "bytes", st.Bytes, "duration", st.Elapsed.Round(time.Millisecond))
	}
}
