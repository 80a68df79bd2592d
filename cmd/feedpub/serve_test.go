package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startServe is the one way the tests start `feedpub serve`: its server,
// in-process, on a free loopback port, configured by args as on the
// command line (-seeds, -config). Where the configuration names no site
// URL, links point at this server. It returns the base URL (ending in "/")
// once the first build is served, and the server; the server stops when
// the test ends.
func startServe(t *testing.T, args ...string) (string, *server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + "/"
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var common commonFlags
	common.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	fc, err := loadConfig(&common, fs)
	if err != nil {
		t.Fatal(err)
	}
	if fc.Site.URL == "" {
		fc.Site.URL = base
	}
	fc.Out = t.TempDir()
	cfg, err := fc.check()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv, err := newServer(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := start(t, srv, ln)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, srv
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve: /healthz not 200 after 60s (%v)\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// start runs s on ln (a free loopback port when nil) until the test ends,
// and returns a channel that tells when it ended before.
func start(t *testing.T, s *server, ln net.Listener) <-chan error {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ended := make(chan error, 1)
	go func() { err := s.run(ctx, ln); done <- err; ended <- err }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15s")
		}
	})
	return ended
}

// The serve command's own routes: /healthz once the first build is
// served, /metrics with the rebuild and request counters, feeds behind
// the corked listener.
func TestServeRoutes(t *testing.T) {
	base, srv := startServe(t, "-seeds", "../../seeds", "-config", os.DevNull)
	site := srv.handler.Site()
	published, err := os.ReadFile(filepath.Join(srv.cfg.out, "rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		resp, err := http.Get(base + "rss.xml")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(body, published) {
			t.Fatalf("/rss.xml: got %d and %d bytes, want 200 and the published %d", resp.StatusCode, len(body), len(published))
		}
	}
	tests := []struct {
		path string
		code int
		want []string
	}{
		{"healthz", 200, []string{"ok"}},
		{"metrics", 200, []string{
			"feedpub_rebuilds_total ", // 1, or 2 when the watcher's first rescan has run
			"feedpub_rebuild_errors_total 0\n",
			"feedpub_posts_loaded " + strconv.Itoa(site.Posts) + "\n",
			`feedpub_http_requests_total{class="feed",code="200"} 3` + "\n",
			`feedpub_http_requests_total{class="health",code="200"} `,
			"feedpub_last_rebuild_success_timestamp_seconds ",
			"go_goroutines ",
		}},
		{"nope", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(base + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Fatalf("got %d, want %d", resp.StatusCode, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("got no %q in:\n%.6000s", w, body)
				}
			}
		})
	}
}
