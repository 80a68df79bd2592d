package feedhttp

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// bigPosts are n posts with bodies of about kb KB, a minute apart, in
// no category (so a site has half the feeds to compress at Publish).
func bigPosts(n, kb int) []*loader.Post {
	posts := make([]*loader.Post, n)
	body := "<p>" + strings.Repeat("新闻 text of the post, ", kb*40) + "</p>"
	for i := range posts {
		p := feedtest.Post(fmt.Sprintf("p%05d.md", i), fmt.Sprintf("Post %d", i))
		p.Date = p.Date.Add(-time.Duration(i) * time.Minute)
		p.Updated, p.Body = p.Date, body
		posts[i] = p
	}
	return posts
}

// heldBytes is what a query cache holds: each distinct filtered feed once.
func heldBytes(c *queryCache) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[*filtered]bool{}
	var n int64
	for _, m := range []map[string]*filtered{c.m, c.raw} {
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				n += f.size()
			}
		}
	}
	return n
}

// Distinct filtered queries for whole feeds do not pin a feed each: the
// cache stays within QueryCacheBytes, /metrics says how much it holds,
// and a query asked again is still answered. Each feed here is just under
// an eighth of the bound (a larger one would not be kept at all), so ten
// of them are more than the bound. (The queries differ by their limit, all
// over the number of posts: filters would cost more time and test nothing
// more of the cache.)
func TestQueryCacheBoundedByBytes(t *testing.T) {
	// Feeds that hold every post are made once, at the build, not for
	// each query.
	// Over max_feed_bytes' default: the budget is not what is tested here.
	site, err := feed.Build(bigPosts(500, 7), feed.Config{URL: "https://news.example.com/", Limit: 500, MaxFeedBytes: 8 << 20}, feedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	h, srv := newTestServer(t, site)
	var first string
	const queries = 10
	for i := range queries {
		u := fmt.Sprintf("%s/rss.xml?limit=%d", srv.URL, feed.MaxLimit-i)
		resp, body := get(t, "GET", u)
		if resp.StatusCode != http.StatusOK || len(body) < QueryCacheBytes/9 || len(body) > QueryCacheBytes/8 {
			t.Fatalf("%s: got %d, %d bytes; want 200 and a whole feed of %d to %d bytes",
				u, resp.StatusCode, len(body), QueryCacheBytes/9, QueryCacheBytes/8)
		}
		if i == 0 {
			strictXML(t, "rss.xml", body) // parsed back by gofeed in TestServeQuery
			if n := bytes.Count(body, []byte("<item>")); n != 500 {
				t.Fatalf("%s: got %d items, want 500", u, n)
			}
			first = resp.Header.Get("ETag")
		}
	}
	c := h.snap.Load().cache
	n := heldBytes(c)
	if n > QueryCacheBytes {
		t.Errorf("the query cache holds %d bytes after %d queries, over the bound of %d", n, queries, QueryCacheBytes)
	}
	if n == 0 {
		t.Errorf("the query cache holds nothing after %d queries; want the last ones kept", queries)
	}
	var g dto.Metric
	if err := h.Metrics.queryCache.Write(&g); err != nil {
		t.Fatal(err)
	}
	if got, want := g.GetGauge().GetValue(), float64(n); got != want {
		t.Errorf("feedpub_query_cache_bytes is %v, want %v", got, want)
	}
	resp, _ := get(t, "GET", fmt.Sprintf("%s/rss.xml?limit=%d", srv.URL, feed.MaxLimit))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != first {
		t.Errorf("asked again: got %d, ETag %q; want 200, %q", resp.StatusCode, resp.Header.Get("ETag"), first)
	}
}

// BenchmarkFilteredQueriesHeap prints how much the heap grows when 40
// distinct filtered queries ask for whole feeds of a 10,000-post site.
func BenchmarkFilteredQueriesHeap(b *testing.B) {
	site := buildServeSite(b, bigPosts(10000, 1))
	for b.Loop() {
		h := &Handler{Metrics: NewMetrics()}
		h.Publish(site)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 40 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/rss.xml?filterout=nomatch%d&limit=10000", i), nil))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MB-heap-growth")
		runtime.KeepAlive(h)
	}
}
