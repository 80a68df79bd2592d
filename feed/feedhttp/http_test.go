package feedhttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/mmcdole/gofeed"
	dto "github.com/prometheus/client_model/go"

	"feedpub/feed"
	"feedpub/internal/compress"
	"feedpub/internal/feedtest"
	"feedpub/internal/gen"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// newTestServer serves site on a loopback port until the test ends.
func newTestServer(t *testing.T, site *feed.Site) (*Handler, *httptest.Server) {
	t.Helper()
	h := &Handler{Metrics: NewMetrics()}
	h.Publish(site)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

var (
	servePosts = feedtest.Posts
	manyPosts  = gen.Posts
	serveNow   = feedtest.Now
)

// buildServeSite builds posts as a site with a TTL of 5 minutes.
func buildServeSite(t testing.TB, posts []*loader.Post) *feed.Site {
	t.Helper()
	site, err := feed.Build(posts, feed.Config{Title: "测试站", URL: "https://news.example.com/", TTL: 5 * time.Minute, Location: time.FixedZone("CST", 8*3600)}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// fileAt is s.File(p), failing the test on an error.
func fileAt(t testing.TB, s *feed.Site, p string) *feed.File {
	t.Helper()
	f, err := s.File(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func strictXML(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := validate.StrictXML(b); err != nil {
		t.Errorf("%s: not well-formed XML: %v", name, err)
	}
}

// get sends one request with the given headers; the client neither asks
// for nor decodes gzip by itself.
func get(t *testing.T, method, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestServeContentTypes(t *testing.T) {
	site := buildServeSite(t, servePosts())
	_, srv := newTestServer(t, site)
	tests := []struct{ path, want string }{
		{"/rss.xml", "application/rss+xml; charset=utf-8"},
		{"/atom.xml", "application/atom+xml; charset=utf-8"},
		{"/feed.json", "application/feed+json; charset=utf-8"},
		{"/categories/%E9%87%91%E8%9E%8D/rss.xml", "application/rss+xml; charset=utf-8"},
		{"/", "text/html; charset=utf-8"},
		{"/all/", "text/html; charset=utf-8"},
		{"/categories/%E8%A6%81%E9%97%BB/", "text/html; charset=utf-8"},
		{"/posts/bank/", "text/html; charset=utf-8"},
		{"/posts/bank/index.html", "text/html; charset=utf-8"},
		{"/feeds.opml", "text/x-opml; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, "GET", srv.URL+tc.path)
			if resp.StatusCode != 200 {
				t.Fatalf("got %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.want {
				t.Errorf("Content-Type: got %q, want %q", got, tc.want)
			}
			if got, want := resp.Header.Get("Cache-Control"), "public, max-age=300"; got != want {
				t.Errorf("Cache-Control: got %q, want %q", got, want)
			}
			if len(body) == 0 {
				t.Errorf("got an empty body")
			}
		})
	}
}

// The RSS ttl and max-age agree: both follow the schedule (a TTL of 5
// minutes: ttl 5, max-age 300), on feeds, pages and filtered feeds alike.
func TestServeTTLAgrees(t *testing.T) {
	site := buildServeSite(t, servePosts())
	_, srv := newTestServer(t, site)
	rss := fileAt(t, site, "/rss.xml").Body
	strictXML(t, "/rss.xml", rss)
	if !bytes.Contains(rss, []byte("<ttl>5</ttl>")) {
		t.Errorf("rss: got no <ttl>5</ttl> for a TTL of 5 minutes")
	}
	for _, p := range []string{"/rss.xml", "/atom.xml", "/", "/posts/bank/", "/rss.xml?limit=1"} {
		resp, _ := get(t, "GET", srv.URL+p)
		if got, want := resp.Header.Get("Cache-Control"), "public, max-age=300"; got != want {
			t.Errorf("%s: Cache-Control %q, want %q (the RSS ttl of 5 minutes)", p, got, want)
		}
	}
}

func TestServeConditional(t *testing.T) {
	site := buildServeSite(t, servePosts())
	_, srv := newTestServer(t, site)
	u := srv.URL + "/categories/%E8%A6%81%E9%97%BB/atom.xml"
	resp, body := get(t, "GET", u)
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	f := fileAt(t, site, "/categories/要闻/atom.xml")
	if etag != f.ETag || !bytes.Equal(body, f.Body) {
		t.Fatalf("got ETag %s and %d bytes, want %s and the prepared %d bytes", etag, len(body), f.ETag, len(f.Body))
	}
	// newest item of 要闻: the marathon post, of the 4th
	if want := "Mon, 04 Mar 2024 01:30:00 GMT"; lm != want {
		t.Errorf("Last-Modified: got %q, want %q (the newest item's date)", lm, want)
	}
	if resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary: got %q, want Accept-Encoding", resp.Header.Get("Vary"))
	}
	gzResp, _ := get(t, "GET", u, "Accept-Encoding", "gzip")
	gzTag := gzResp.Header.Get("ETag")

	tests := []struct {
		name string
		hdr  []string
		want int
	}{
		{"none", nil, 200},
		{"if-none-match", []string{"If-None-Match", etag}, 304},
		{"if-none-match list", []string{"If-None-Match", `"nope", ` + etag}, 304},
		{"if-none-match weak", []string{"If-None-Match", "W/" + etag}, 304},
		{"if-none-match star", []string{"If-None-Match", "*"}, 304},
		{"if-none-match other", []string{"If-None-Match", `"nope"`}, 200},
		{"if-none-match gzip tag", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip"}, 304},
		{"if-modified-since same", []string{"If-Modified-Since", lm}, 304},
		{"if-modified-since later", []string{"If-Modified-Since", "Tue, 05 Mar 2024 00:00:00 GMT"}, 304},
		{"if-modified-since earlier", []string{"If-Modified-Since", "Fri, 01 Mar 2024 00:00:00 GMT"}, 200},
		{"if-modified-since garbage", []string{"If-Modified-Since", "yesterday"}, 200},
		{"if-none-match wins over a matching date", []string{"If-None-Match", `"nope"`, "If-Modified-Since", lm}, 200},
		{"if-none-match wins over an old date", []string{"If-None-Match", etag, "If-Modified-Since", "Fri, 01 Mar 2024 00:00:00 GMT"}, 304},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, "GET", u, tc.hdr...)
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 304 {
				if len(body) != 0 {
					t.Errorf("304: got %d bytes of body, want none", len(body))
				}
				if resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") == "" {
					t.Errorf("304: got no ETag or Cache-Control")
				}
			}
		})
	}
}

func TestServeGzipHeadRange(t *testing.T) {
	site := buildServeSite(t, servePosts())
	_, srv := newTestServer(t, site)
	u := srv.URL + "/rss.xml"
	f := fileAt(t, site, "/rss.xml")

	resp, body := get(t, "GET", u, "Accept-Encoding", "br;q=0.5, gzip;q=0.8")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding: got %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, f.Body) {
		t.Fatalf("gunzipped body: got %d bytes (%v), want the %d of the feed", len(plain), err, len(f.Body))
	}
	if resp.Header.Get("ETag") == f.ETag {
		t.Errorf("gzip ETag: got the identity one %s, want its own", f.ETag)
	}

	for _, ae := range []string{"", "identity", "gzip;q=0", "zstd", "*;q=0"} {
		resp, body := get(t, "GET", u, "Accept-Encoding", ae)
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, f.Body) {
			t.Errorf("Accept-Encoding %q: got encoding %q, want identity", ae, resp.Header.Get("Content-Encoding"))
		}
	}

	resp, body = get(t, "GET", u, "Accept-Encoding", "gzip, deflate, br")
	if resp.Header.Get("Content-Encoding") != "br" {
		t.Fatalf("Content-Encoding: got %q, want br", resp.Header.Get("Content-Encoding"))
	}
	plain, err = io.ReadAll(brotli.NewReader(bytes.NewReader(body)))
	if err != nil || !bytes.Equal(plain, f.Body) {
		t.Fatalf("brotli body: got %d bytes (%v), want the %d of the feed", len(plain), err, len(f.Body))
	}
	brTag := resp.Header.Get("ETag")
	if brTag == f.ETag || brTag == gzipETag(f.ETag) {
		t.Errorf("brotli ETag: got %s, want its own", brTag)
	}
	if resp, _ := get(t, "GET", u, "Accept-Encoding", "br", "If-None-Match", brTag); resp.StatusCode != 304 {
		t.Errorf("revalidating brotli: got %d, want 304", resp.StatusCode)
	}

	resp, body = get(t, "HEAD", u, "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(compress.Gzip(f.Body))) {
		t.Errorf("HEAD: got %d, %d bytes, Content-Length %d; want 200, none, %d", resp.StatusCode, len(body), resp.ContentLength, len(compress.Gzip(f.Body)))
	}

	resp, body = get(t, "GET", u, "Range", "bytes=10-19")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, f.Body[10:20]) {
		t.Errorf("Range: got %d %q, want 206 %q", resp.StatusCode, body, f.Body[10:20])
	}
	resp, _ = get(t, "GET", u, "Range", "bytes=10-19", "If-Range", `"other"`)
	if resp.StatusCode != 200 {
		t.Errorf("If-Range with another ETag: got %d, want 200", resp.StatusCode)
	}
}

func TestAcceptEncoding(t *testing.T) {
	tests := []struct {
		values []string
		want   encoding
	}{
		{nil, encIdentity},
		{[]string{""}, encIdentity},
		{[]string{"identity"}, encIdentity},
		{[]string{"gzip"}, encGzip},
		{[]string{"x-gzip"}, encGzip},
		{[]string{"GZIP"}, encGzip},
		{[]string{"br"}, encBrotli},
		{[]string{"gzip, deflate, br"}, encBrotli},
		{[]string{"gzip", "br"}, encBrotli},
		{[]string{"br;q=0, gzip"}, encGzip},
		{[]string{"br;q=0.5, gzip;q=0.8"}, encGzip},
		{[]string{"br;q=0.8, gzip;q=0.8"}, encBrotli},
		{[]string{"gzip;q=0"}, encIdentity},
		{[]string{"gzip; q=0.000"}, encIdentity},
		{[]string{"gzip;q=bad"}, encIdentity},
		{[]string{"*"}, encBrotli},
		{[]string{"*;q=0"}, encIdentity},
		{[]string{"*, br;q=0"}, encGzip},
		{[]string{"deflate, zstd"}, encIdentity},
	}
	for _, tc := range tests {
		if got := acceptEncoding(tc.values, true, true); got != tc.want {
			t.Errorf("%q: got %v, want %v", tc.values, got, tc.want)
		}
	}
	if got := acceptEncoding([]string{"br"}, false, true); got != encIdentity {
		t.Errorf("br without a brotli variant: got %v, want identity", got)
	}
	if got := acceptEncoding([]string{"gzip, br"}, false, true); got != encGzip {
		t.Errorf("gzip, br without a brotli variant: got %v, want gzip", got)
	}
}

func TestServeRefuses(t *testing.T) {
	site := buildServeSite(t, servePosts())
	_, srv := newTestServer(t, site)
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/nope.xml", 404},
		{"GET", "/categories/nope/rss.xml", 404},
		{"GET", "/../../etc/passwd", 404},
		{"GET", "/categories/..%2F..%2Frss.xml", 404},
		{"GET", "/categories%2F%E9%87%91%E8%9E%8D/rss.xml", 404},
		{"GET", "/categories%5c%E9%87%91%E8%9E%8D/rss.xml", 404},
		{"GET", "/" + strings.Repeat("a", 3000), 414},
		{"GET", "/rss.xml?" + strings.Repeat("a=1&", 600), 414},
		{"POST", "/rss.xml", 405},
		{"PUT", "/", 405},
		{"DELETE", "/rss.xml", 405},
		{"GET", "/categories/%E9%87%91%E8%9E%8D", 301},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path[:min(len(tc.path), 40)], func(t *testing.T) {
			// A raw request, so that neither client nor URL parser cleans
			// the path first.
			req, err := http.NewRequest(tc.method, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = tc.path
			resp, err := (&http.Transport{}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d %q, want %d", resp.StatusCode, body, tc.want)
			}
			if tc.want == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow: got %q, want GET, HEAD", resp.Header.Get("Allow"))
			}
			if tc.want == 301 && resp.Header.Get("Location") != tc.path+"/" {
				t.Errorf("Location: got %q, want %q", resp.Header.Get("Location"), tc.path+"/")
			}
			if bytes.Contains(body, []byte("<rss")) {
				t.Errorf("got a feed, want none")
			}
		})
	}
}

func TestServeBeforeFirstBuild(t *testing.T) {
	srv := httptest.NewServer(&Handler{})
	defer srv.Close()
	resp, _ := get(t, "GET", srv.URL+"/rss.xml")
	if resp.StatusCode != 503 {
		t.Errorf("got %d, want 503 before the first Publish", resp.StatusCode)
	}
}

func feedItems(t *testing.T, body []byte) []*gofeed.Item {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return f.Items
}

func TestServeQuery(t *testing.T) {
	site := buildServeSite(t, servePosts())
	_, srv := newTestServer(t, site)
	tests := []struct {
		path   string
		code   int
		titles []string // in order
		errMsg string
	}{
		{"/rss.xml?limit=2", 200, []string{"马拉松报名开启", "Rust in the kernel"}, ""},
		{"/atom.xml?limit=1", 200, []string{"马拉松报名开启"}, ""},
		{"/feed.json?limit=10", 200, []string{"马拉松报名开启", "Rust in the kernel", "银行推出绿色信贷"}, ""},
		{"/rss.xml?filter=" + url.QueryEscape("kernel|绿色"), 200, []string{"Rust in the kernel", "银行推出绿色信贷"}, ""},
		{"/rss.xml?filter=collector", 200, []string{"Rust in the kernel"}, ""}, // in the text, not the title
		{"/rss.xml?filter=RUST", 200, nil, ""},
		{"/rss.xml?filter=RUST&filter_case_sensitive=false", 200, []string{"Rust in the kernel"}, ""},
		{"/rss.xml?filterout=" + url.QueryEscape("报名"), 200, []string{"Rust in the kernel", "银行推出绿色信贷"}, ""},
		{"/rss.xml?filter=" + url.QueryEscape("[a-z]") + "&filterout=Rust", 200, nil, ""},
		{"/rss.xml?category=" + url.QueryEscape("要闻"), 200, []string{"马拉松报名开启", "银行推出绿色信贷"}, ""},
		{"/rss.xml?category=technology&limit=5", 200, []string{"Rust in the kernel"}, ""},
		{"/rss.xml?category=nothing", 200, nil, ""},
		{"/categories/%E8%A6%81%E9%97%BB/atom.xml?limit=1", 200, []string{"马拉松报名开启"}, ""},
		{"/categories/%E8%A6%81%E9%97%BB/rss.xml?filter=bank|%E9%93%B6%E8%A1%8C", 200, []string{"银行推出绿色信贷"}, ""},
		{"/rss.xml?utm_source=x", 200, []string{"马拉松报名开启", "Rust in the kernel", "银行推出绿色信贷"}, ""},
		{"/rss.xml?limit=0", 400, nil, "limit"},
		{"/rss.xml?limit=-3", 400, nil, "limit"},
		{"/rss.xml?limit=abc", 400, nil, "limit"},
		{"/rss.xml?limit=99999999999999999999", 400, nil, "limit"},
		{"/rss.xml?limit=1&limit=2", 400, nil, "limit"},
		{"/rss.xml?filter=(", 400, nil, "filter"},
		{"/rss.xml?filter=", 400, nil, "filter"},
		{"/rss.xml?filterout=" + strings.Repeat("a", 300), 400, nil, "filterout"},
		{"/rss.xml?filter_case_sensitive=maybe&filter=a", 400, nil, "filter_case_sensitive"},
		{"/rss.xml?category=", 400, nil, "category"},
		{"/categories/technology/rss.xml?category=technology", 400, nil, "category"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, "GET", srv.URL+tc.path)
			if resp.StatusCode != tc.code {
				t.Fatalf("got %d %q, want %d", resp.StatusCode, body, tc.code)
			}
			if tc.code != 200 {
				if !strings.HasPrefix(string(body), tc.errMsg+":") {
					t.Errorf("message: got %q, want one about %s", body, tc.errMsg)
				}
				return
			}
			if !strings.HasSuffix(tc.path, ".json") && !strings.Contains(tc.path, ".json?") {
				strictXML(t, "response", body)
			}
			var got []string
			for _, it := range feedItems(t, body) {
				got = append(got, it.Title)
			}
			if strings.Join(got, "|") != strings.Join(tc.titles, "|") {
				t.Errorf("got items %q, want %q", got, tc.titles)
			}
		})
	}
}

func TestServeQueryETag(t *testing.T) {
	site := buildServeSite(t, servePosts())
	h, srv := newTestServer(t, site)
	plain, _ := get(t, "GET", srv.URL+"/rss.xml")
	u := srv.URL + "/rss.xml?limit=1"
	resp, body := get(t, "GET", u)
	tag := resp.Header.Get("ETag")
	if tag == "" || tag == plain.Header.Get("ETag") {
		t.Fatalf("filtered ETag: got %q, want its own (plain is %q)", tag, plain.Header.Get("ETag"))
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "Mon, 04 Mar 2024 01:30:00 GMT" {
		t.Errorf("filtered Last-Modified: got %q, want the newest kept item's date", lm)
	}
	resp2, _ := get(t, "GET", u, "If-None-Match", tag)
	if resp2.StatusCode != 304 {
		t.Errorf("revalidating a filtered feed: got %d, want 304", resp2.StatusCode)
	}
	if resp3, _ := get(t, "GET", u, "If-None-Match", plain.Header.Get("ETag")); resp3.StatusCode != 200 {
		t.Errorf("filtered feed with the plain feed's ETag: got %d, want 200", resp3.StatusCode)
	}
	gz, gzBody := get(t, "GET", u, "Accept-Encoding", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" || len(gzBody) >= len(body) {
		t.Errorf("filtered feed with gzip: got encoding %q and %d bytes for %d", gz.Header.Get("Content-Encoding"), len(gzBody), len(body))
	}
	// A restart (a new Builder, a new Handler) gives the same ETag.
	h.Publish(buildServeSite(t, servePosts()))
	if again, _ := get(t, "GET", u); again.Header.Get("ETag") != tag {
		t.Errorf("after a rebuild: got ETag %s, want %s", again.Header.Get("ETag"), tag)
	}
}

// An unchanged feed keeps its ETag across rebuilds and restarts; a feed
// whose items changed gets a new one.
func TestServeETagStable(t *testing.T) {
	posts := servePosts()
	a := buildServeSite(t, posts)
	b := buildServeSite(t, servePosts()) // a restart: new posts, new builder
	for _, p := range a.Paths() {
		if ea, eb := fileAt(t, a, p).ETag, fileAt(t, b, p).ETag; ea != eb {
			t.Errorf("%s: got ETag %s after a restart, want %s", p, eb, ea)
		}
	}
	changed := servePosts()
	changed[2].Title = "马拉松报名今日开启"
	c := buildServeSite(t, changed)
	for _, tc := range []struct {
		path string
		same bool
	}{{"/categories/technology/rss.xml", true}, {"/categories/金融/atom.xml", true}, {"/categories/体育/rss.xml", false}, {"/rss.xml", false}} {
		if got := fileAt(t, a, tc.path).ETag == fileAt(t, c, tc.path).ETag; got != tc.same {
			t.Errorf("%s: got same ETag %v, want %v", tc.path, got, tc.same)
		}
	}
}

func TestServeMetrics(t *testing.T) {
	site := buildServeSite(t, servePosts())
	h, srv := newTestServer(t, site)
	for range 3 {
		get(t, "GET", srv.URL+"/rss.xml", "Accept-Encoding", "gzip")
	}
	get(t, "GET", srv.URL+"/rss.xml?limit=1")
	get(t, "GET", srv.URL+"/rss.xml?limit=x")
	get(t, "GET", srv.URL+"/nope")
	get(t, "GET", srv.URL+"/posts/bank/")
	h.Metrics.Rebuild(time.Second, nil, 3, 1, time.Unix(1700000000, 0))
	h.Metrics.Rebuild(time.Second, io.ErrUnexpectedEOF, 0, 0, time.Now())

	mfs, err := h.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels ...string) float64 {
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
		metrics:
			for _, m := range mf.GetMetric() {
				for i := 0; i+1 < len(labels); i += 2 {
					if labelValue(m, labels[i]) != labels[i+1] {
						continue metrics
					}
				}
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
		return -1
	}
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"feedpub_http_requests_total", []string{"class", "feed", "code", "200"}, 3},
		{"feedpub_http_requests_total", []string{"class", "feed_query", "code", "200"}, 1},
		{"feedpub_http_requests_total", []string{"class", "feed_query", "code", "400"}, 1},
		{"feedpub_http_requests_total", []string{"class", "other", "code", "404"}, 1},
		{"feedpub_http_requests_total", []string{"class", "post", "code", "200"}, 1},
		{"feedpub_http_response_bytes_total", []string{"class", "feed"}, float64(3 * len(compress.Gzip(fileAt(t, site, "/rss.xml").Body)))},
		{"feedpub_rebuilds_total", nil, 2},
		{"feedpub_rebuild_errors_total", nil, 1},
		{"feedpub_rebuild_duration_seconds", nil, 2},
		{"feedpub_posts_loaded", nil, 3},
		{"feedpub_posts_rejected", nil, 1},
		{"feedpub_last_rebuild_success_timestamp_seconds", nil, 1700000000},
	}
	for _, tc := range tests {
		if got := value(tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v: got %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}

	rec := httptest.NewRecorder()
	h.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `feedpub_http_requests_total{class="feed",code="200"} 3`) {
		t.Errorf("/metrics: got no request counter in the text format:\n%.500s", rec.Body.String())
	}
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// discard is a ResponseWriter that keeps nothing, so that allocations
// counted are the handler's own.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func allocsPerRequest(h *Handler, r *http.Request) float64 {
	w := &discard{h: http.Header{}}
	return testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
}

// Serving a prepared feed allocates the same whether it holds one item or
// a thousand: nothing on the request path grows with the feed.
func TestServeAllocsDoNotGrow(t *testing.T) {
	small := buildServeSite(t, servePosts()[:1])
	big, err := feed.Build(manyPosts(100), feed.Config{URL: "https://news.example.com/", Limit: 100}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(fileAt(t, big, "/rss.xml").Body) < 30*len(fileAt(t, small, "/rss.xml").Body) {
		t.Fatalf("the big feed is not big: %d bytes", len(fileAt(t, big, "/rss.xml").Body))
	}
	r := httptest.NewRequest("GET", "/rss.xml", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	hs, hb := &Handler{Metrics: NewMetrics()}, &Handler{Metrics: NewMetrics()}
	hs.Publish(small)
	hb.Publish(big)
	s, b := allocsPerRequest(hs, r), allocsPerRequest(hb, r)
	t.Logf("allocations per request: %v for %d bytes, %v for %d bytes", s, len(compress.Gzip(fileAt(t, small, "/rss.xml").Body)), b, len(compress.Gzip(fileAt(t, big, "/rss.xml").Body)))
	if b > s {
		t.Errorf("got %v allocations for the big feed and %v for the small one, want no more", b, s)
	}
}

func BenchmarkServeFeed(b *testing.B) {
	site := buildServeSite(b, servePosts())
	h := &Handler{Metrics: NewMetrics()}
	h.Publish(site)
	for _, bc := range []struct {
		name string
		hdr  []string
		path string
	}{
		{"gzip", []string{"Accept-Encoding", "gzip"}, "/rss.xml"},
		{"304", []string{"If-None-Match", fileAt(b, site, "/rss.xml").ETag}, "/rss.xml"},
		{"filtered", []string{"Accept-Encoding", "gzip"}, "/rss.xml?filter=kernel"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", bc.path, nil)
			for i := 0; i+1 < len(bc.hdr); i += 2 {
				r.Header.Set(bc.hdr[i], bc.hdr[i+1])
			}
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// Through a CorkListener, responses (big ones corked into one writev or
// sent from a memfd with sendfile, small ones not) arrive whole, one
// after another on a kept-alive connection.
func TestServeCorked(t *testing.T) {
	site := buildServeSite(t, append(servePosts(), manyPosts(30)...))
	h := &Handler{}
	h.Publish(site)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ConnContext: ConnContext}
	go hs.Serve(CorkListener(ln))
	t.Cleanup(func() { hs.Close() })
	base := "http://" + ln.Addr().String()
	if n := len(fileAt(t, site, "/rss.xml").Body); n < sendfileMin {
		t.Fatalf("feed of %d bytes: too small to be sent from a file", n)
	}
	if n := len(fileAt(t, site, "/posts/bank/").Body); n > corkMin {
		t.Fatalf("page of %d bytes: too big to be left uncorked", n)
	}
	if e := h.snap.Load().entries["/rss.xml"]; runtime.GOOS == "linux" && e.id.mem.f == nil {
		t.Errorf("/rss.xml: got no copy in a memfd, want one for sendfile")
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}}
	conns := map[string]bool{}
	for i := range 40 {
		path := []string{"/rss.xml", "/atom.xml", "/posts/bank/", "/style.css", "/feed.json"}[i%5]
		req, _ := http.NewRequest("GET", base+path, nil)
		if i%3 == 0 {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		req = req.WithContext(httptraceConn(req.Context(), conns))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		f := fileAt(t, site, path)
		want := f.Body
		if i%3 == 0 {
			want = compress.Gzip(f.Body)
		}
		if !bytes.Equal(body, want) {
			t.Fatalf("request %d, %s: got %d bytes, want the %d prepared", i, path, len(body), len(want))
		}
	}
	if len(conns) != 1 {
		t.Errorf("got %d connections for 40 requests, want 1 kept alive", len(conns))
	}
}

func httptraceConn(ctx context.Context, conns map[string]bool) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { conns[i.Conn.LocalAddr().String()] = true },
	})
}

// A rebuild that changes no big file keeps the memfd of the last one.
func TestServeReusesBodyFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("memfd and sendfile: Linux only")
	}
	posts := append(servePosts(), manyPosts(30)...)
	b, err := feed.NewBuilder(feed.Config{URL: "https://news.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{}
	mem := func() *os.File { return h.snap.Load().entries["/rss.xml"].id.mem.f }
	for i := range 3 {
		site, err := b.Build(posts, serveNow)
		if err != nil {
			t.Fatal(err)
		}
		before := h.snap.Load()
		h.Publish(site)
		if mem() == nil {
			t.Fatalf("build %d: got no memfd", i)
		}
		if before != nil && before.entries["/rss.xml"].id.mem.f != mem() {
			t.Errorf("build %d: unchanged files got a new memfd", i)
		}
	}
	old := mem()
	posts[0] = &loader.Post{Path: "new.md", Title: "New", Date: serveNow.Add(-time.Hour), Updated: serveNow.Add(-time.Hour), Body: "<p>new</p>"}
	site, err := b.Build(posts, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(site)
	if mem() == old {
		t.Errorf("a changed feed: got the old memfd, want a new one")
	}
	e := h.snap.Load().entries["/rss.xml"]
	got := make([]byte, len(e.id.body))
	if _, err := e.id.mem.f.ReadAt(got, e.id.mem.off); err != nil || !bytes.Equal(got, e.id.body) {
		t.Errorf("memfd copy: got other bytes than the body (%v)", err)
	}
}

// Publish compresses a file once: a later Site whose file has the same
// bytes (the same ETag) is served with the very gzip and brotli made
// before, and a changed file gets new ones.
func TestPublishKeepsCompression(t *testing.T) {
	b, err := feed.NewBuilder(feed.Config{URL: "https://news.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{}
	publish := func(posts []*loader.Post) *feed.Site {
		site, err := b.Build(posts, serveNow)
		if err != nil {
			t.Fatal(err)
		}
		h.Publish(site)
		return site
	}
	packed := func(p string) (gz, br []byte) {
		e := h.snap.Load().entries[p]
		if e == nil || e.gz.body == nil || e.br.body == nil {
			t.Fatalf("%s: got no gzip or brotli variant after Publish", p)
		}
		return e.gz.body, e.br.body
	}
	const all, tech = "/rss.xml", "/categories/technology/rss.xml"
	posts := append(servePosts(), manyPosts(30)...)
	site := publish(posts)
	allGz, _ := packed(all)
	techGz, techBr := packed(tech)
	if !bytes.Equal(allGz, compress.Gzip(fileAt(t, site, all).Body)) {
		t.Fatalf("%s: the gzip variant is not the gzip of the body", all)
	}
	posts = slices.Clone(posts)
	posts[0] = &loader.Post{Path: "new.md", Title: "New", Date: serveNow.Add(-time.Hour), Updated: serveNow.Add(-time.Hour),
		Body: "<p>new</p>", Categories: []string{"其他"}}
	publish(posts)
	if gz, _ := packed(all); &gz[0] == &allGz[0] {
		t.Errorf("%s changed but kept its old gzip", all)
	}
	if gz, br := packed(tech); &gz[0] != &techGz[0] || &br[0] != &techBr[0] {
		t.Errorf("%s did not change but was compressed again", tech)
	}
}
