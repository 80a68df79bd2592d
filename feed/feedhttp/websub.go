package feedhttp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"feedpub/feed"
)

// WebSub (W3C Recommendation): every feed names its hub (rel="hub", see
// feed.Config.Hub), and after each rebuild the hub is told which feeds
// changed, with a publish request (hub.mode=publish, one hub.url per
// feed), so that subscribers hear of a story within seconds rather than at
// their next poll. A Pinger sends them in the background: a rebuild only
// queues the URLs, and a hub that is slow or down delays nothing.

// Changed lists the absolute URLs of the feeds of next whose bytes differ
// from prev's (every feed of next when prev is nil), sorted.
func Changed(prev, next *feed.Site) []string {
	var out []string
	for p, f := range next.Made() {
		if feed.KindOf(p) != feed.KindFeed {
			continue
		}
		if prev != nil {
			if old, err := prev.File(p); err == nil && old != nil && old.ETag == f.ETag {
				continue
			}
		}
		out = append(out, next.URL(p))
	}
	slices.Sort(out)
	return out
}

// A Pinger sends WebSub publish requests to a hub. Make it with
// NewPinger; Notify queues, Run sends.
type Pinger struct {
	hub     string
	client  *http.Client
	log     *slog.Logger
	metrics *Metrics // nil for none
	// Retries is how many times a failed request is sent again, waiting
	// Backoff, then twice as long each time.
	Retries int
	Backoff time.Duration
	// Batch is the most feeds named in one request.
	Batch int

	mu      sync.Mutex
	pending map[string]bool // guarded by mu
	wake    chan struct{}   // holds at most one
}

// NewPinger makes a Pinger for hub that logs to log and counts in m (nil
// for none).
func NewPinger(hub string, log *slog.Logger, m *Metrics) *Pinger {
	return &Pinger{hub: hub, client: &http.Client{Timeout: 10 * time.Second}, log: log, metrics: m,
		Retries: 4, Backoff: time.Second, Batch: 50, pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Notify queues a publish request for each feed URL, and returns at once.
// A URL already queued is sent once.
func (p *Pinger) Notify(urls []string) {
	if len(urls) == 0 {
		return
	}
	p.mu.Lock()
	for _, u := range urls {
		p.pending[u] = true
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run sends what Notify queues, in batches, until ctx is done.
func (p *Pinger) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		p.mu.Lock()
		urls := make([]string, 0, len(p.pending))
		for u := range p.pending {
			urls = append(urls, u)
		}
		clear(p.pending)
		p.mu.Unlock()
		slices.Sort(urls)
		for batch := range slices.Chunk(urls, max(1, p.Batch)) {
			p.send(ctx, batch)
		}
	}
}

// send sends one publish request for urls, again with backoff while it
// fails, and logs and counts what came of it.
func (p *Pinger) send(ctx context.Context, urls []string) {
	wait := p.Backoff
	var err error
	for try := 0; try <= p.Retries; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait *= 2
		}
		if err = p.post(ctx, urls); err == nil {
			p.log.Debug("websub: hub told", "hub", p.hub, "feeds", len(urls))
			if p.metrics != nil {
				p.metrics.websubPublished.Add(float64(len(urls)))
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		if p.metrics != nil {
			p.metrics.websubErrors.Inc()
		}
	}
	p.log.Warn("websub: the hub was not told of changed feeds", "hub", p.hub, "feeds", len(urls), "error", err)
	if p.metrics != nil {
		p.metrics.websubDropped.Add(float64(len(urls)))
	}
}

// post sends one request: hub.mode=publish and a hub.url per feed.
func (p *Pinger) post(ctx context.Context, urls []string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": urls}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("websub: hub answered %s", resp.Status)
	}
	return nil
}

// linkHeader is the Link header of a feed at self on a site with hub.
func linkHeader(hub, self string) []string {
	return []string{"<" + hub + `>; rel="hub", <` + self + `>; rel="self"`}
}
