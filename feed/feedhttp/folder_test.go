package feedhttp

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"feedpub/feed"
	"feedpub/feed/publish"
	"feedpub/loader"
)

// folderServer publishes posts into a temporary folder as serve does
// (publish.Write with a state, then the siblings), serves the folder from
// a corked loopback server, and returns the folder, the handler and the
// server's URL.
func folderServer(t *testing.T, posts []*loader.Post) (string, *Handler, string) {
	t.Helper()
	dir := t.TempDir()
	h := &Handler{Metrics: NewMetrics()}
	publishInto(t, h, dir, posts, serveNow)
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = CorkListener(srv.Listener)
	srv.Config.ConnContext = ConnContext
	srv.Start()
	t.Cleanup(srv.Close)
	return dir, h, srv.URL
}

// publishInto writes posts into dir as of now and publishes them to h,
// once their compressed siblings are written.
func publishInto(t *testing.T, h *Handler, dir string, posts []*loader.Post, now time.Time) *publish.State {
	t.Helper()
	st, _ := publishDeferring(t, h, dir, posts, now, nil)
	return st
}

// publishDeferring is publishInto that leaves the files deferP names for
// later (publish.Options.Defer), and returns the Site too.
func publishDeferring(t *testing.T, h *Handler, dir string, posts []*loader.Post, now time.Time, deferP func(string) bool) (*publish.State, *feed.Site) {
	t.Helper()
	b, err := feed.NewLeanBuilder(feed.Config{Title: "测试站", URL: "https://news.example.com/", TTL: 5 * time.Minute,
		Location: time.FixedZone("CST", 8*3600), Hub: "https://hub.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := b.Build(posts, now)
	if err != nil {
		t.Fatal(err)
	}
	st := publish.LoadDirState(dir, publish.BuildState, "test", nil)
	d, err := publish.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := publish.Write(site, d, publish.Options{State: st, Now: now, Siblings: publish.SiblingExts, Defer: deferP}); err != nil {
		t.Fatal(err)
	}
	fo, err := OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fo.Close() })
	var mu sync.Mutex
	done := make(chan struct{})
	var once sync.Once
	pk, err := publish.NewPacker(dir, d, &mu, st, func(p []string) {
		h.SiblingsWritten(p)
		once.Do(func() { close(done) })
	}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	files := st.Published()
	h.PublishFolder(Publication{Folder: fo, Files: files, Site: site, Config: b.Config()})
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan struct{})
	go func() { pk.Run(ctx); close(ended) }()
	pk.Offer(files)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no sibling written in 10s")
	}
	pk.Offer(nil) // stops after the batch under way
	cancel()
	<-ended
	return st, site
}

// Every file is served as it is in the folder, plain and with each
// encoding, whatever its size (the stand-in body of sendfile around
// net/http's buffer), with the ETag of its digest and the time its bytes
// changed.
func TestFolderServesTheFolder(t *testing.T) {
	dir, _, base := folderServer(t, manyPosts(60))
	var n int
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "/.") || filepath.Ext(path) == ".gz" || filepath.Ext(path) == ".br" {
			return nil
		}
		n++
		name, _ := filepath.Rel(dir, path)
		want, _ := os.ReadFile(path)
		p := publish.URLPath(filepath.ToSlash(name))
		resp, body := get(t, "GET", base+escaped(p))
		if resp.StatusCode != 200 || !bytes.Equal(body, want) {
			t.Fatalf("%s: got %d and %d bytes, want 200 and the file's %d", p, resp.StatusCode, len(body), len(want))
		}
		if ct := resp.Header.Get("Content-Type"); ct != feed.TypeOf(p) || ct == "" {
			t.Errorf("%s: Content-Type %q, want %q", p, ct, feed.TypeOf(p))
		}
		fi, _ := os.Stat(path)
		if lm := resp.Header.Get("Last-Modified"); lm != fi.ModTime().UTC().Format(http.TimeFormat) {
			t.Errorf("%s: Last-Modified %q, want the file's time %v", p, lm, fi.ModTime())
		}
		for _, enc := range []string{"gzip", "br"} {
			resp, body := get(t, "GET", base+escaped(p), "Accept-Encoding", enc)
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				if ce != enc {
					t.Fatalf("%s: asked for %s, got %s", p, enc, ce)
				}
				body = decode(t, enc, body)
			}
			if !bytes.Equal(body, want) {
				t.Fatalf("%s with %s: the body differs from the file", p, enc)
			}
		}
		return nil
	})
	if n < 20 {
		t.Fatalf("only %d files checked", n)
	}
}

// escaped is the site path p as a URL's path.
func escaped(p string) string { return (&url.URL{Path: p}).EscapedPath() }

func decode(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return out
}

// What a reader and a cache need, from the folder: conditional requests
// by ETag (of either encoding) and date, HEAD, ranges, the WebSub Link,
// filtered feeds; and nothing of the folder that is not a page.
func TestFolderRequests(t *testing.T) {
	dir, h, base := folderServer(t, servePosts())
	resp, plain := get(t, "GET", base+"/rss.xml")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if resp.StatusCode != 200 || etag == "" || lm == "" {
		t.Fatalf("/rss.xml: %d, ETag %q, Last-Modified %q", resp.StatusCode, etag, lm)
	}
	if link := resp.Header.Get("Link"); !strings.Contains(link, `<https://news.example.com/rss.xml>; rel="self"`) {
		t.Errorf("Link: %q", link)
	}
	gresp, _ := get(t, "GET", base+"/rss.xml", "Accept-Encoding", "gzip")
	getag := gresp.Header.Get("ETag")
	mod, _ := http.ParseTime(lm)
	tests := []struct {
		name string
		path string
		hdr  []string
		code int
	}{
		{"if-none-match", "/rss.xml", []string{"If-None-Match", etag}, 304},
		{"if-none-match of the gzip", "/rss.xml", []string{"If-None-Match", getag, "Accept-Encoding", "gzip"}, 304},
		{"if-none-match of the plain, with gzip", "/rss.xml", []string{"If-None-Match", etag, "Accept-Encoding", "gzip"}, 304},
		{"if-none-match other", "/rss.xml", []string{"If-None-Match", `"nope"`}, 200},
		{"if-modified-since same", "/rss.xml", []string{"If-Modified-Since", lm}, 304},
		{"if-modified-since earlier", "/rss.xml", []string{"If-Modified-Since", mod.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"if-none-match wins", "/rss.xml", []string{"If-None-Match", `"nope"`, "If-Modified-Since", lm}, 200},
		{"range", "/rss.xml", []string{"Range", "bytes=0-9"}, 206},
		{"index.html", "/index.html", nil, 200},
		{"page without slash", "/all", nil, 301},
		{"state", "/.feedpub/state", nil, 404},
		{"state folder", "/.feedpub/", nil, 404},
		{"manifest", "/.feedpub-manifest", nil, 404},
		{"a sibling by name", "/rss.xml.gz", nil, 404},
		{"dot dot", "/categories/../.feedpub/state", nil, 404},
		{"encoded slash", "/categories%2Frss.xml", nil, 404},
		{"filtered", "/rss.xml?limit=1", nil, 200},
		{"bad filter", "/rss.xml?filter=(", nil, 400},
		{"unknown", "/nope.xml", nil, 404},
		{"opencc page", "/?opencc=s2t", nil, 200},
		{"opencc post", "/posts/bank/?opencc=s2t", nil, 200},
		{"opencc feed", "/rss.xml?opencc=s2t", nil, 200},
		{"opencc bad", "/?opencc=nope", nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, "GET", base+tt.path, tt.hdr...)
			if resp.StatusCode != tt.code {
				t.Fatalf("got %d, want %d (%s)", resp.StatusCode, tt.code, body)
			}
			switch tt.name {
			case "range":
				if string(body) != string(plain[:10]) {
					t.Errorf("range: got %q, want %q", body, plain[:10])
				}
			case "opencc page":
				if !bytes.Contains(body, []byte("<title>測試站</title>")) {
					t.Errorf("%s: not converted to traditional characters", tt.path)
				}
			case "opencc post", "opencc feed":
				if !bytes.Contains(body, []byte("銀行")) || bytes.Contains(body, []byte("银行")) {
					t.Errorf("%s: not converted to traditional characters", tt.path)
				}
			case "filtered":
				if bytes.Count(body, []byte("<item>")) != 1 {
					t.Errorf("?limit=1: %d items", bytes.Count(body, []byte("<item>")))
				}
			}
		})
	}
	resp, body := get(t, "HEAD", base+"/rss.xml")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(plain)) {
		t.Errorf("HEAD: %d, %d bytes of body, Content-Length %d", resp.StatusCode, len(body), resp.ContentLength)
	}
	if _, err := os.Stat(filepath.Join(dir, ".feedpub", "state")); err != nil {
		t.Errorf("the state the folder must hold: %v", err)
	}
	if h.Site() == nil || !h.Ready() {
		t.Error("not ready")
	}
}

// A file replaced under an index that does not name its bytes yet (a
// rebuild writing it) is not sent with the old index's headers: the
// request waits for the index that names it.
func TestFolderWaitsForTheIndex(t *testing.T) {
	dir, h, base := folderServer(t, servePosts())
	posts := servePosts()
	posts[0].Title, posts[0].Sum = "A changed title", "edited"
	later := serveNow.Add(time.Hour)
	b, _ := feed.NewLeanBuilder(feed.Config{Title: "测试站", URL: "https://news.example.com/", TTL: 5 * time.Minute,
		Location: time.FixedZone("CST", 8*3600), Hub: "https://hub.example.com/"})
	site, _ := b.Build(posts, later)
	body, _ := site.Body("/atom.xml")
	tmp := filepath.Join(dir, "atom.xml.new")
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "atom.xml")); err != nil { // as a rebuild writes it
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, got := get(t, "GET", base+"/atom.xml")
		if resp.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Errorf("during the rebuild: %d, %d bytes, want the new %d", resp.StatusCode, len(got), len(body))
		}
		if etag := resp.Header.Get("ETag"); !strings.Contains(etag, publishedSum(t, dir, "atom.xml")) {
			t.Errorf("ETag %s is not the new bytes'", etag)
		}
	}()
	time.Sleep(100 * time.Millisecond)
	publishInto(t, h, dir, posts, later)
	<-done
}

// publishedSum is the start of the digest the folder's state has for name.
func publishedSum(t *testing.T, dir, name string) string {
	t.Helper()
	for _, f := range publish.LoadDirState(dir, publish.BuildState, "test", nil).Published() {
		if f.Name == name {
			return f.Sum.String()[:24]
		}
	}
	t.Fatalf("%s: not in the state", name)
	return ""
}

// A file the folder does not hold yet (a first build's Write left it for
// later) is made from the Site when asked for: the same bytes the folder
// gets once it is written. A query that asks more of a feed than its
// bytes is asked to come back.
func TestFolderServesWhatIsNotWritten(t *testing.T) {
	dir := t.TempDir()
	h := &Handler{Metrics: NewMetrics()}
	pending := func(p string) bool { return path.Dir(p) != "/" } // all but the feeds of all posts and the index
	st, site := publishDeferring(t, h, dir, manyPosts(60), serveNow, pending)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	later := st.Deferred(site, pending)
	var feeds, pages int
	made := map[string][]byte{}
	for _, p := range later {
		switch feed.KindOf(p) {
		case feed.KindFeed:
			feeds++
		case feed.KindPage:
			pages++
		}
		resp, body := get(t, "GET", srv.URL+escaped(p))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != feed.TypeOf(p) {
			t.Fatalf("%s not written yet: %d %q", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		made[p] = body
	}
	if feeds < 3 || pages < 1 {
		t.Fatalf("%d feeds and %d pages left for later, want some of each: %v", feeds, pages, later)
	}
	for _, p := range later {
		if feed.KindOf(p) != feed.KindFeed {
			continue
		}
		resp, _ := get(t, "GET", srv.URL+escaped(p)+"?limit=1")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s?limit=1 not written yet: %d, want 503 with Retry-After", p, resp.StatusCode)
		}
		break
	}
	d, err := publish.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := publish.WritePaths(site, d, later, publish.Options{State: st, Now: serveNow}); err != nil {
		t.Fatal(err)
	}
	for p, body := range made {
		name, _ := strings.CutPrefix(p, "/")
		if strings.HasSuffix(name, "/") || name == "" {
			name += "index.html"
		}
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want) {
			t.Errorf("%s: made before it was written, %d bytes; written, %d bytes", p, len(body), len(want))
		}
	}
	if len(st.Deferred(site, pending)) != 0 {
		t.Errorf("still left for later after WritePaths: %v", st.Deferred(site, pending))
	}
}

// TestHidden: a file of the folder whose name or folder starts with a dot
// is no page.
func TestHidden(t *testing.T) {
	for name, want := range map[string]bool{
		".feedpub/state": true, ".feedpub-manifest": true, "a/.x.xml": true, "a/.b/c.xml": true,
		"a/b.xml": false, "a./b.xml": false, "index.html": false, "a/b/index.html": false,
	} {
		if got := hidden(name); got != want {
			t.Errorf("hidden(%q) = %v, want %v", name, got, want)
		}
	}
}
