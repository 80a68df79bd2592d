package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// TestBuildAndServe builds a copy of the bundled seeds, then serves the
// same folder and checks that every built file is served with the same
// bytes, and that every feed parses with its items.
func TestBuildAndServe(t *testing.T) {
	seeds := filepath.Join(t.TempDir(), "seeds")
	copyDir(t, "../../seeds", seeds)
	out := filepath.Join(t.TempDir(), "public")
	var stdout, stderr bytes.Buffer
	cfg := writeTestConfig(t, "http://feeds.example/", "", "@every 1m")
	// build's RSS ttl (build_ttl) set to serve's schedule, so that the
	// bytes are the same.
	appendFile(t, cfg, "build_ttl: 1m\n")
	if err := run(context.Background(), []string{"build", "-config", cfg, "-seeds", seeds, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "posts published") {
		t.Errorf("build said %q", stdout.String())
	}
	built := map[string][]byte{}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != out && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // the state
		}
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

	base, _ := startServe(t, "-config", cfg, "-seeds", seeds)
	base = strings.TrimSuffix(base, "/")
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

// appendFile adds text at the end of the file name.
func appendFile(t *testing.T, name, text string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
