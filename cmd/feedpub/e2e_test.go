package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// copyDir copies the folder src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// serveForTest runs `feedpub serve` in-process on a free loopback port and
// returns its base URL; the server stops when the test ends.
func serveForTest(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...), io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10s")
		}
	})
	addrRe := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	lines := bufio.NewScanner(pr)
	addr := ""
	for lines.Scan() {
		if m := addrRe.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	if addr == "" {
		t.Fatal("serve did not say where it listens")
	}
	go io.Copy(io.Discard, pr) // keep the log flowing
	base := "http://" + addr
	for range 100 { // wait for the first build
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("serve never became healthy")
	return ""
}

// TestBuildAndServe builds a copy of the bundled seeds, then serves the
// same folder and checks that every built file is served with the same
// bytes, and that every feed parses with its items.
func TestBuildAndServe(t *testing.T) {
	seeds := filepath.Join(t.TempDir(), "seeds")
	copyDir(t, "../../seeds", seeds)
	out := filepath.Join(t.TempDir(), "public")
	// build's RSS ttl (build_ttl) set to serve's schedule, so that the
	// bytes are the same.
	cfg := filepath.Join(t.TempDir(), "feedpub.yaml")
	if err := os.WriteFile(cfg, []byte("build_ttl: 1m\nschedule: '@every 1m'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", "-config", cfg, "-seeds", seeds, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "posts published") {
		t.Errorf("build said %q", stdout.String())
	}
	built := map[string][]byte{}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		data, _ := os.ReadFile(p)
		built[filepath.ToSlash(rel)] = data
		return nil
	})
	for _, want := range []string{"rss.xml", "atom.xml", "feed.json", "categories/金融/rss.xml", "categories/technology/atom.xml"} {
		if built[want] == nil {
			t.Errorf("build did not write %s", want)
		}
	}

	base := serveForTest(t, "-seeds", seeds)
	feeds := 0
	for rel, data := range built {
		urlPath := "/" + strings.TrimSuffix(rel, "index.html")
		resp, err := http.Get(base + escapePath(urlPath))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", urlPath, resp.Status)
			continue
		}
		if !bytes.Equal(body, data) {
			t.Errorf("GET %s: served bytes differ from the built file", urlPath)
		}
		if strings.HasSuffix(rel, ".xml") || strings.HasSuffix(rel, ".json") {
			feeds++
			f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			} else if len(f.Items) == 0 {
				t.Errorf("%s: no items", rel)
			}
		}
	}
	if feeds < 3*5 {
		t.Errorf("%d feeds served, want the all-posts feed and several categories in 3 formats", feeds)
	}
	resp, err := http.Get(base + "/no/such/feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %s, want 404", resp.Status)
	}
}

// escapePath percent-encodes each segment of a URL path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
