package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testHub is a WebSub hub on loopback that records the feeds each publish
// request names.
type testHub struct {
	*httptest.Server
	mu   sync.Mutex
	urls []string // every hub.url received, in order
	bad  []string // requests that were not a publish
}

func newTestHub(t *testing.T) *testHub {
	h := &testHub{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" || len(r.PostForm["hub.url"]) == 0 {
			h.bad = append(h.bad, r.Method+" "+r.URL.String())
		}
		h.urls = append(h.urls, r.PostForm["hub.url"]...)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

// take returns the URLs received once n have come (or after 20 s), and
// forgets them.
func (h *testHub) take(t *testing.T, n int) []string {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		h.mu.Lock()
		if len(h.urls) >= n || time.Now().After(end) {
			got := h.urls
			h.urls = nil
			bad := h.bad
			h.mu.Unlock()
			if len(bad) > 0 {
				t.Errorf("hub: requests that are not a publish: %q", bad)
			}
			slices.Sort(got)
			return got
		}
		h.mu.Unlock()
	}
}

// servedFeeds fetches every feed the server lists, with its headers.
func servedFeeds(t *testing.T, base string, srv *server) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	site := srv.handler.Site()
	for _, fi := range site.Feeds() {
		for _, file := range []string{"rss.xml", "atom.xml", "feed.json"} {
			u := site.URL("/" + fi.Dir + file)
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if link := resp.Header.Get("Link"); !strings.Contains(link, `rel="hub"`) || !strings.Contains(link, "<"+u+`>; rel="self"`) {
				t.Errorf("%s: Link header %q, want the hub and itself", u, link)
			}
			out[u] = body
		}
	}
	return out
}

// TestWebSub: with websub.hub set, every feed names the hub, and after a
// rebuild serve tells a hub on loopback of exactly the feeds whose bytes
// changed: one hub.url per changed feed, none for the others.
func TestWebSub(t *testing.T) {
	hub := newTestHub(t)
	dir := t.TempDir()
	seeds := filepath.Join(dir, "seeds")
	genPosts(t, seeds, 12, "a")
	cfg := filepath.Join(dir, "feedpub.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("websub:\n  hub: %q\nschedule: \"@every 1h\"\n", hub.URL+"/hub")), 0o644)
	base, srv := startServe(t, "-config", cfg, "-seeds", seeds)

	before := servedFeeds(t, base, srv)
	for u, body := range before {
		if !bytes.Contains(body, []byte(hub.URL+"/hub")) {
			t.Errorf("%s: does not name the hub", u)
		}
	}
	// At start-up, every feed.
	if got, want := hub.take(t, len(before)), sortedKeys(before); !slices.Equal(got, want) {
		t.Errorf("start-up: hub told of %d feeds, want the %d served:\n got %q\nwant %q", len(got), len(want), got, want)
	}

	// One post edited: the feeds that hold it change, the others do not.
	var post string
	filepath.WalkDir(seeds, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && post == "" {
			post = p
		}
		return nil
	})
	data, err := os.ReadFile(post)
	if err != nil {
		t.Fatal(err)
	}
	// Written by rename, as editors save: no rebuild sees half a file.
	tmp := filepath.Join(dir, "edited")
	os.WriteFile(tmp, bytes.Replace(data, []byte("title: "), []byte("title: Edited "), 1), 0o644)
	if err := os.Rename(tmp, post); err != nil {
		t.Fatal(err)
	}
	srv.trigger(nil)
	if err := srv.rebuild(t.Context()); err != nil {
		t.Fatal(err)
	}
	var changed []string
	for u, body := range servedFeeds(t, base, srv) {
		if !bytes.Equal(before[u], body) {
			changed = append(changed, u)
		}
	}
	slices.Sort(changed)
	if len(changed) == 0 || len(changed) == len(before) {
		t.Fatalf("%d of %d feeds changed: the test needs some to change and some not", len(changed), len(before))
	}
	got := hub.take(t, len(changed))
	time.Sleep(200 * time.Millisecond) // anything more would be too many
	got = append(got, hub.take(t, 0)...)
	slices.Sort(got)
	if !slices.Equal(got, changed) {
		t.Errorf("after an edit: hub told of\n %q\nwant the feeds that changed\n %q", got, changed)
	}
	if !strings.Contains(metricsOf(t, base), "feedpub_websub_published_total ") {
		t.Error("/metrics: no feedpub_websub_published_total")
	}
}

// TestWebSubHubDown: a hub that accepts connections and never answers
// delays no rebuild: edits are served while its requests hang.
func TestWebSubHubDown(t *testing.T) {
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(func() { close(release); hung.Close() })
	dir := t.TempDir()
	seeds := filepath.Join(dir, "seeds")
	genPosts(t, seeds, 5, "a")
	cfg := filepath.Join(dir, "feedpub.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("websub:\n  hub: %q\nschedule: \"@every 1h\"\n", hung.URL)), 0o644)
	_, srv := startServe(t, "-config", cfg, "-seeds", seeds)
	for i := range 3 {
		os.WriteFile(filepath.Join(seeds, fmt.Sprintf("new%d.txt", i)), []byte(fmt.Sprintf("---\ntitle: New %d\ndate: 2024-01-0%d\n---\nx\n", i, i+1)), 0o644)
		srv.trigger(nil)
		if err := srv.rebuild(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := srv.handler.Site().Posts; n != 6+i {
			t.Errorf("after %d new posts: %d served, want %d", i+1, n, 6+i)
		}
	}
}

// metricsOf fetches /metrics.
func metricsOf(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
