package feedhttp

import (
	"net/http"
	"strings"
	"testing"

	"feedpub/feed"
)

// Archive documents are served: a full one as immutable, the one still
// filling with the feeds' Cache-Control; both answer If-None-Match.
func TestServeArchives(t *testing.T) {
	site, err := feed.Build(bigPosts(7, 1), feed.Config{URL: "https://news.example.com/", Limit: 3, Archives: true}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newTestServer(t, site)
	for _, tc := range []struct {
		path      string
		immutable bool
	}{{"/archive/1/rss.xml", true}, {"/archive/2/atom.xml", false}} {
		if is, full := site.Archive(tc.path); !is || full != tc.immutable {
			t.Fatalf("%s: archive %v, full %v; the posts do not make the archives the test wants", tc.path, is, full)
		}
		resp, body := get(t, "GET", srv.URL+tc.path)
		cc := resp.Header.Get("Cache-Control")
		if resp.StatusCode != http.StatusOK || len(body) == 0 || strings.Contains(cc, "immutable") != tc.immutable {
			t.Errorf("%s: %d, %d bytes, Cache-Control %q; want 200, immutable %v", tc.path, resp.StatusCode, len(body), cc, tc.immutable)
		}
		if resp, _ := get(t, "GET", srv.URL+tc.path, "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match its ETag: %d, want 304", tc.path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, "GET", srv.URL+"/archive/3/rss.xml"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an archive that is not there: %d, want 404", resp.StatusCode)
	}
}
