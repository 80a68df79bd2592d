package feedhttp

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/gen"
)

// A feed with a poll hint is sent with its max-age: the hint's ttl, or in
// its quiet time until that ends; the pages keep the schedule's.
func TestServePollHintCacheControl(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	cfg := feed.Config{URL: "https://news.example.com/", TTL: time.Minute, Location: sh,
		PollHints: feed.PollHints{Min: 5 * time.Minute, Max: 6 * time.Hour}}
	site, err := feed.Build(gen.Weekdays(8, sh), cfg, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newTestServer(t, site)
	for _, p := range []string{"/rss.xml", "/categories/市场/atom.xml"} {
		h, ok := site.PollHint(p)
		if !ok || h.TTL != 90*time.Minute {
			t.Fatalf("%s: hint %+v %v, want a ttl of 90m", p, h, ok)
		}
		before := h.MaxAge(time.Now())
		resp, _ := get(t, "GET", srv.URL+(&url.URL{Path: p}).EscapedPath())
		after := h.MaxAge(time.Now())
		got := resp.Header.Get("Cache-Control")
		if resp.StatusCode != http.StatusOK || got != cacheControl(before) && got != cacheControl(after) {
			t.Errorf("%s: got %d, Cache-Control %q; want 200, %q", p, resp.StatusCode, got, cacheControl(after))
		}
	}
	resp, _ := get(t, "GET", srv.URL+"/")
	if got, want := resp.Header.Get("Cache-Control"), cacheControl(time.Minute); got != want {
		t.Errorf("/: Cache-Control %q, want the schedule's %q", got, want)
	}
	resp, _ = get(t, "GET", srv.URL+"/rss.xml?limit=3")
	if got, want := resp.Header.Get("Cache-Control"), cacheControl(90*time.Minute); got != want {
		t.Errorf("/rss.xml?limit=3: Cache-Control %q, want the hint's ttl, %q", got, want)
	}
}
