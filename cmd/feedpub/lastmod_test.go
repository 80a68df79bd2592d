package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestServeLastModifiedNeverBack: a file's Last-Modified is when its bytes
// last changed: it never goes back, whether the newest post is deleted,
// an old post edited, a category emptied and filled again, or serve
// restarted; and a client holding an earlier Last-Modified gets 200 after
// any change, 304 while nothing changed.
func TestServeLastModifiedNeverBack(t *testing.T) {
	seeds, out := t.TempDir(), t.TempDir()
	start := func() *server {
		fc := &fileConfig{Timezone: "UTC", Schedule: "@every 1h", Seeds: seeds, Out: out, Addr: "127.0.0.1:0"}
		cfg, err := fc.check()
		if err != nil {
			t.Fatal(err)
		}
		s, err := newServer(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	post := func(name, date, cats, body string) {
		os.WriteFile(filepath.Join(seeds, name), []byte("---\ntitle: "+name+"\ndate: "+date+"\ncategories: ["+cats+"]\n---\n"+body+"\n"), 0o644)
	}
	post("old.md", "2020-01-01", "a", "old")
	post("mid.md", "2021-01-01", "a", "mid")
	post("new.md", "2022-01-01", "a, lonely", "new")

	type seen struct {
		mod  time.Time
		etag string
	}
	last := map[string]seen{}
	paths := []string{"/rss.xml", "/atom.xml", "/categories/a/feed.json", "/categories/lonely/rss.xml", "/all/", "/posts/mid/"}
	s := start()
	check := func(step string) {
		t.Helper()
		s.trigger(nil)
		if err := s.rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			rec := httptest.NewRecorder()
			s.handler.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
			if rec.Code == http.StatusNotFound {
				continue // the category emptied
			}
			mod, err := http.ParseTime(rec.Header().Get("Last-Modified"))
			if err != nil {
				t.Fatalf("%s: %s: Last-Modified: %v", step, p, err)
			}
			now, was := seen{mod, rec.Header().Get("ETag")}, last[p]
			switch {
			case mod.Before(was.mod):
				t.Errorf("%s: %s: Last-Modified went back from %v to %v", step, p, was.mod, mod)
			case was.etag != "" && now.etag != was.etag && !mod.After(was.mod):
				t.Errorf("%s: %s: changed (ETag %s to %s) but Last-Modified stayed %v", step, p, was.etag, now.etag, mod)
			case was.etag == now.etag && !mod.Equal(was.mod):
				t.Errorf("%s: %s: unchanged but Last-Modified moved from %v to %v", step, p, was.mod, mod)
			}
			if !was.mod.IsZero() {
				req := httptest.NewRequest("GET", p, nil)
				req.Header.Set("If-Modified-Since", was.mod.UTC().Format(http.TimeFormat))
				rec := httptest.NewRecorder()
				s.handler.ServeHTTP(rec, req)
				want := http.StatusNotModified
				if now.etag != was.etag {
					want = http.StatusOK
				}
				if rec.Code != want {
					t.Errorf("%s: %s with If-Modified-Since of the last Last-Modified: got %d, want %d", step, p, rec.Code, want)
				}
			}
			last[p] = now
		}
	}
	check("first")
	check("nothing changed")
	os.Remove(filepath.Join(seeds, "new.md"))
	check("newest deleted, lonely emptied")
	post("old.md", "2020-01-01", "a", "corrected")
	check("old post edited")
	post("new2.md", "2019-01-01", "lonely", "back")
	check("lonely filled again")
	s = start()
	check("restarted")
	post("mid.md", "2021-01-01", "a", "mid corrected")
	s = start()
	check("changed while down, restarted")
	if len(last) != len(paths) {
		t.Errorf("got %d paths seen, want %d", len(last), len(paths))
	}
}
