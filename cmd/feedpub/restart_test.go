package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runUntil runs s on a loopback port until the returned stop is called.
func runUntil(t *testing.T, s *server) (stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, ln) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// answer is s's answer for p, with its status and headers.
func answer(s *server, p string, hdr ...string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", p, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	s.handler.ServeHTTP(rec, req)
	return rec
}

// The restart test: serve, stop, change two files while it is
// down, start again. The first answer is the old feed (what the last run
// published), never a mix, then the new one; Last-Modified never goes
// back; the state and the manifest are never served; filters still work.
func TestServeRestart(t *testing.T) {
	seeds, out := t.TempDir(), t.TempDir()
	day := time.Now().Add(-72 * time.Hour).Truncate(time.Hour)
	livePost(t, seeds, "a.md", "alpha-1", day)
	livePost(t, seeds, "b.md", "beta-1", day.Add(time.Hour))
	livePost(t, seeds, "c.md", "gamma-1", day.Add(2*time.Hour))
	newSrv := func() *server {
		fc := &fileConfig{Timezone: "UTC", Schedule: "@every 1h", Seeds: seeds, Out: out, Addr: "127.0.0.1:0"}
		cfg, err := fc.check()
		if err != nil {
			t.Fatal(err)
		}
		s, err := newServer(cfg, slog.New(slog.NewTextHandler(&syncBuffer{}, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	s1 := newSrv()
	stop := runUntil(t, s1)
	served(t, s1, "gamma-1", 5*time.Second)
	first := answer(s1, "/rss.xml")
	old, lm1 := first.Body.Bytes(), first.Header().Get("Last-Modified")
	stop()

	livePost(t, seeds, "a.md", "alpha-2", day)
	livePost(t, seeds, "c.md", "gamma-2", day.Add(2*time.Hour))
	isOld := func(b []byte) bool {
		return bytes.Contains(b, []byte("alpha-1")) && bytes.Contains(b, []byte("gamma-1"))
	}
	isNew := func(b []byte) bool {
		return bytes.Contains(b, []byte("alpha-2")) && bytes.Contains(b, []byte("gamma-2"))
	}

	s2 := newSrv()
	rec := answer(s2, "/rss.xml") // before its first rebuild: what the last run published
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), old) {
		t.Fatalf("first answer after the restart: %d, want 200 and the old feed", rec.Code)
	}
	if lm := rec.Header().Get("Last-Modified"); lm != lm1 {
		t.Errorf("Last-Modified after the restart: %q, want the last run's %q", lm, lm1)
	}
	start := time.Now()
	runUntil(t, s2)
	for {
		rec := answer(s2, "/rss.xml")
		b := rec.Body.Bytes()
		if rec.Code != http.StatusOK || !(isOld(b) || isNew(b)) {
			t.Fatalf("during the first rebuild: %d, neither the old feed nor the new: %s", rec.Code, b)
		}
		if isNew(b) {
			t1, _ := http.ParseTime(lm1)
			t2, err := http.ParseTime(rec.Header().Get("Last-Modified"))
			if err != nil || !t2.After(t1) {
				t.Errorf("Last-Modified of the new feed %v, want after the old %v", t2, t1)
			}
			t.Logf("the new feed served %v after the restart", time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the new feed is not served 5s after the restart")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, p := range []string{"/.feedpub/state", "/.feedpub/", "/.feedpub-manifest", "/rss.xml.gz"} {
		if rec := answer(s2, p); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, rec.Code)
		}
	}
	if rec := answer(s2, "/rss.xml?limit=1&filter=gamma"); rec.Code != http.StatusOK ||
		bytes.Count(rec.Body.Bytes(), []byte("<item>")) != 1 || !bytes.Contains(rec.Body.Bytes(), []byte("gamma-2")) {
		t.Errorf("filtered: %d %s", rec.Code, rec.Body.Bytes())
	}
}

// A first build of more posts than deferMin serves the feeds first and
// leaves the pages of posts to the pager: each is answered meanwhile
// (made when asked for), and all are written, then served from the
// folder, by the time the pager is done.
func TestServeDefersPages(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	day := time.Now().Add(-1000 * time.Hour).Truncate(time.Hour)
	n := deferMin + 40
	for i := range n {
		livePost(t, seeds, fmt.Sprintf("p%03d.md", i), fmt.Sprintf("post %03d", i), day.Add(time.Duration(i)*time.Hour))
	}
	runUntil(t, s)
	served(t, s, fmt.Sprintf("post %03d", n-1), 10*time.Second)
	if rec := answer(s, "/posts/p000/"); rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte("post 000")) {
		t.Fatalf("/posts/p000/ right after the first answer: %d", rec.Code)
	}
	early := answer(s, "/categories/live/rss.xml") // written by now or not: the same bytes
	if early.Code != http.StatusOK {
		t.Fatalf("/categories/live/rss.xml right after the first answer: %d", early.Code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.held.Load() < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d pages of posts written after 30s", s.held.Load(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	kept := filepath.Join(s.cfg.out, ".feedpub", "bodies") // the content of posts in feeds, kept once all is written
	for _, err := os.Stat(kept); err != nil; _, err = os.Stat(kept) {
		if time.Now().After(deadline) {
			t.Fatalf("no kept content after the pager: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !strings.Contains(logs.String(), `msg="pages written"`) { // the folder whole, for a web server in front
		if time.Now().After(deadline) {
			t.Fatalf("the pager is done, and did not say so:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range n {
		p := fmt.Sprintf("/posts/p%03d/", i)
		want, err := os.ReadFile(filepath.Join(s.cfg.out, "posts", fmt.Sprintf("p%03d", i), "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		if rec := answer(s, p); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("%s: %d, not the written page", p, rec.Code)
		}
	}
	if want, err := os.ReadFile(filepath.Join(s.cfg.out, "categories", "live", "rss.xml")); err != nil || !bytes.Equal(early.Body.Bytes(), want) {
		t.Errorf("the category's feed right after the first answer is not the one written (%v)", err)
	}
	var doc struct {
		Items []struct{ Title string } `xml:"channel>item"`
	}
	if err := xml.Unmarshal(early.Body.Bytes(), &doc); err != nil || len(doc.Items) == 0 {
		t.Errorf("the category's feed right after the first answer: %d items, %v", len(doc.Items), err)
	}
}
