package feed

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"feedpub/loader"
)

// bigSite is a site of n posts with bodies of about 1 KB, whose feeds
// asked for with limit=10000 are about a megabyte each.
func bigSite(t testing.TB, n int) *Site {
	t.Helper()
	posts := make([]*loader.Post, n)
	d := time.Date(2024, 1, 20, 8, 0, 0, 0, time.UTC)
	body := "<p>" + strings.Repeat("新闻 text of the post, ", 40) + "</p>"
	for i := range posts {
		p := testPost(fmt.Sprintf("p%05d.md", i), fmt.Sprintf("Post %d", i), "news")
		p.Date = d.Add(-time.Duration(i) * time.Minute)
		p.Updated, p.Body = p.Date, body
		posts[i] = p
	}
	site, err := Build(posts, Config{}, d)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// heldBytes is what a query cache holds: each distinct file once.
func heldBytes(c *queryCache) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[*File]bool{}
	var n int64
	for _, m := range []map[string]*File{c.m, c.raw} {
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				n += int64(len(f.Body) + len(f.Gzip))
			}
		}
	}
	return n
}

// Distinct filtered queries for whole feeds do not pin a feed each: the
// cache stays within QueryCacheBytes, /metrics says how much it holds,
// and a query asked again is still answered.
func TestQueryCacheBoundedByBytes(t *testing.T) {
	h, srv := newTestServer(t, bigSite(t, 1000))
	var first string
	for i := range 40 {
		u := fmt.Sprintf("%s/rss.xml?filterout=nomatch%d&limit=10000", srv.URL, i)
		resp, body := get(t, "GET", u)
		if resp.StatusCode != http.StatusOK || len(body) < 1<<20 {
			t.Fatalf("%s: got %d, %d bytes; want 200 and a whole feed", u, resp.StatusCode, len(body))
		}
		if i == 0 {
			checkFeed(t, "rss.xml", body)
			first = resp.Header.Get("ETag")
		}
	}
	c := h.snap.Load().cache
	if n := heldBytes(c); n > QueryCacheBytes {
		t.Errorf("the query cache holds %d bytes after 40 queries, over the bound of %d", n, QueryCacheBytes)
	}
	var g dto.Metric
	if err := h.Metrics.queryCache.Write(&g); err != nil {
		t.Fatal(err)
	}
	if got, want := g.GetGauge().GetValue(), float64(heldBytes(c)); got != want {
		t.Errorf("feedpub_query_cache_bytes is %v, want %v", got, want)
	}
	resp, _ := get(t, "GET", srv.URL+"/rss.xml?filterout=nomatch0&limit=10000")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != first {
		t.Errorf("asked again: got %d, ETag %q; want 200, %q", resp.StatusCode, resp.Header.Get("ETag"), first)
	}
}

// BenchmarkFilteredQueriesHeap prints how much the heap grows when 40
// distinct filtered queries ask for whole feeds of a 10,000-post site.
func BenchmarkFilteredQueriesHeap(b *testing.B) {
	site := bigSite(b, 10000)
	for b.Loop() {
		h := &Handler{Metrics: NewMetrics()}
		h.Store(site)
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
