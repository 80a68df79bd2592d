//go:build !nogcs

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob"

	"feedpub/feed/publish/gcsjson/gcstest"
)

// gcsProxy stands between feedpub and fake-gcs-server: it answers the
// first fail uploads of objects (not feedpub's own, under .feedpub/) with
// 503, or every request with 403 while deny is set, and counts the uploads
// of objects it passes on.
type gcsProxy struct {
	mu      sync.Mutex
	fail    int
	deny    bool
	uploads int
}

// startGCS starts fake-gcs-server on 127.0.0.1 with bucket feeds behind a
// gcsProxy, and returns the proxy and the environment of a feedpub that
// reaches it as gs://feeds (STORAGE_EMULATOR_HOST, as for gcsblob). The
// test process's own gs:// goes to the server directly.
func startGCS(t *testing.T) (*gcsProxy, []string) {
	t.Helper()
	fake := gcstest.Start(t, "feeds")
	target, _ := url.Parse(fake)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &gcsProxy{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upload := false
		if strings.HasPrefix(r.URL.Path, "/upload/") { // the object's name is in the metadata part
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			m := uploadName.FindSubmatch(body)
			upload = m != nil && !strings.HasPrefix(string(m[1]), ".feedpub/")
		}
		p.mu.Lock()
		status := 0
		switch {
		case p.deny:
			status = http.StatusForbidden
		case upload && p.fail > 0:
			p.fail--
			status = http.StatusServiceUnavailable
		case upload:
			p.uploads++
		}
		p.mu.Unlock()
		if status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":{"code":`+strconv.Itoa(status)+`,"message":"feedpub@p.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.","errors":[{"reason":"forbidden"}]}}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	env := append(os.Environ(), "STORAGE_EMULATOR_HOST="+strings.TrimPrefix(front.URL, "http://"))
	return p, env
}

var uploadName = regexp.MustCompile(`"name":"([^"]*)"`)

func (p *gcsProxy) take() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.uploads
	p.uploads = 0
	return n
}

// TestBuildToGCS publishes to gs:// (fake-gcs-server through feedpub's
// JSON API driver), run after run: first upload, nothing changed, one post
// changed while the store throttles, a category removed, the metadata of
// each kind of object in the gzip layout, and refused credentials.
func TestBuildToGCS(t *testing.T) {
	p, env := startGCS(t)
	s := newS3Site(t)
	const u = "gs://feeds"
	ref := s.reference()
	s.upload(u, env)
	sameObjects(t, "first run", bucketObjects(t, u, env), ref)
	if n := p.take(); n != len(names(ref)) {
		t.Errorf("first run: %d uploads of objects for %d files", n, len(names(ref)))
	}

	s.upload(u, env)
	if n := p.take(); n != 0 {
		t.Errorf("nothing changed: %d uploads of objects", n)
	}

	s.edit("07/post-00007.html", "Post 7 a", "Post 7 a, corrected")
	ref2 := s.reference()
	changed, _ := diffNames(ref, ref2)
	p.mu.Lock()
	p.fail = 6 // the store throttles: feedpub retries with back-off
	p.mu.Unlock()
	s.upload(u, env)
	if p.fail != 0 {
		t.Errorf("the throttled run made fewer uploads than the 503s it was given")
	}
	if n := p.take(); n != len(changed) {
		t.Errorf("one post changed: %d uploads of objects, want %d", n, len(changed))
	}
	sameObjects(t, "one post changed, throttled", bucketObjects(t, u, env), ref2)

	s.removeTemporary()
	ref3 := s.reference()
	s.upload(u, env)
	got := bucketObjects(t, u, env)
	sameObjects(t, "a category removed", got, ref3)
	if _, ok := got["categories/temporary/rss.xml"]; ok {
		t.Error("the removed category's feed is still there")
	}
	checkGCSObjects(t, s, env, ref3)

	p.mu.Lock()
	p.deny = true
	p.mu.Unlock()
	s.edit("07/post-00007.html", "corrected", "corrected twice")
	code, msg := feedpubRun(t, s.bin, env, "build", "-seeds", s.seeds, "-out", u)
	if code != 1 || !strings.Contains(msg, "check the credentials") || !strings.Contains(msg, "storage.objects.create access") {
		t.Errorf("refused: exit %d, want 1 and the store's reason:\n%s", code, msg)
	}
}

// checkGCSObjects uploads the site in the gzip layout and checks each kind
// of object as the store holds it.
func checkGCSObjects(t *testing.T, s *s3Site, env []string, ref map[string][]byte) {
	s.upload("gs://feeds?prefix=gz/", env, "-layout", "gzip", "-quiet")
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, "gs://feeds?prefix=gz/")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for name, typ := range map[string]string{
		"rss.xml": "application/rss+xml; charset=utf-8", "feed.json": "application/feed+json; charset=utf-8",
		"categories/金融/atom.xml": "application/atom+xml; charset=utf-8", "posts/post-00007/index.html": "text/html; charset=utf-8",
		"feeds.opml": "text/x-opml; charset=utf-8", "style.css": "text/css; charset=utf-8",
	} {
		a, err := b.Attributes(ctx, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cc := "public, max-age=3600, s-maxage=3600, stale-while-revalidate=3600, stale-if-error=86400"
		if a.ContentType != typ || a.ContentEncoding != "gzip" || a.CacheControl != cc {
			t.Errorf("%s: type %q encoding %q cache %q, want %q gzip %q", name, a.ContentType, a.ContentEncoding, a.CacheControl, typ, cc)
		}
		data, err := b.ReadAll(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if data, _ = io.ReadAll(zr); !bytes.Equal(data, ref[name]) {
			t.Errorf("%s: bytes differ from the folder build", name)
		}
	}
	if ok, _ := b.Exists(ctx, ".feedpub/state.json.gz"); !ok {
		t.Error("no state")
	}
	if ok, _ := b.Exists(ctx, ".feedpub/lock"); ok {
		t.Error("the lock outlived the run")
	}
}
