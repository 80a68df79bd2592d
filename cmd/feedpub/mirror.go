package main

import (
	"context"
	"log/slog"
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

	next *latest[*feed.Site] // the Site waiting

	uploads, failures atomic.Int64
}

func newMirror(url string, opt publish.BucketOptions, log *slog.Logger) *mirror {
	return &mirror{url: url, opt: opt, log: log, retryAfter: 30 * time.Second, next: newLatest[*feed.Site]()}
}

// offer hands s over to be published; it never blocks.
func (m *mirror) offer(s *feed.Site) { m.next.offer(s) }

// run publishes what is offered until ctx is done.
func (m *mirror) run(ctx context.Context) { m.next.run(ctx, func(s *feed.Site) { m.upload(ctx, s) }) }

// upload publishes s; a failure is logged, counted and tried again after
// retryAfter unless a newer Site comes meanwhile.
func (m *mirror) upload(ctx context.Context, s *feed.Site) {
	st, err := publish.Upload(ctx, s, m.url, m.opt)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		n := m.failures.Add(1)
		m.log.Error("publishing to the bucket failed; serving goes on", "bucket", m.url, "error", err, "failures", n)
		time.AfterFunc(m.retryAfter, func() { m.next.offerIfNone(s) })
		return
	}
	m.uploads.Add(1)
	m.log.Info("published to the bucket", "bucket", m.url, "uploaded", st.Uploaded, "unchanged", st.Unchanged,
		"deleted", st.Deleted, "bytes", st.Bytes, "duration", st.Elapsed.Round(time.Millisecond))
}
