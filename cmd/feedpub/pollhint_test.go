package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"feedpub/internal/gen"
	"feedpub/internal/validate"
)

// TestPollHintsReaders serves eight weeks of weekday market news with
// poll_hints on: every feed carries its hints and passes every judge
// (the format rules, gofeed, jing, feedparser), and newsboat, a real
// reader, reloads the RSS feeds.
func TestPollHintsReaders(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range gen.Weekdays(8, sh) {
		post := fmt.Sprintf("---\ntitle: %q\ndate: %s\ncategories: [市场]\n---\n%s\n", p.Title, p.Date.Format("2006-01-02 15:04"), p.Body)
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p.Path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.Path), []byte(post), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(t.TempDir(), "feedpub.yaml")
	if err := os.WriteFile(cfg, []byte("schedule: '@every 30m'\npoll_hints:\n  min: 5m\n  max: 6h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base, _ := startServe(t, "-config", cfg, "-seeds", dir)
	want := expectFeeds(t, dir, time.Now())
	files := map[string][]byte{}
	for d := range want {
		for _, f := range []string{"rss.xml", "atom.xml", "feed.json"} {
			p := "/" + d + f
			types := map[string]string{"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
			if body := get(t, validate.URL(base, p), types[validate.FormatOf(p)]); body != nil {
				files[p] = body
			}
		}
	}
	for p, body := range files {
		if validate.FormatOf(p) != "rss" {
			continue
		}
		var doc struct {
			Days []string `xml:"channel>skipDays>day"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(doc.Days, []string{"Saturday", "Sunday"}) {
			t.Errorf("%s: skipDays %q, want Saturday and Sunday", p, doc.Days)
		}
	}
	validate.Site(t, files, want, base, validate.Options{TTL: 90, Language: "zh-CN"})

	newsboat := validate.Tool(t, "newsboat")
	sqlite := validate.Tool(t, "sqlite3")
	for _, p := range []string{"/rss.xml", "/categories/市场/rss.xml"} {
		items, err := newsboatReload(t.TempDir(), newsboat, sqlite, validate.URL(base, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		served, _ := validate.Check("rss", files[p], validate.Options{})
		compareCache(t, p, items, served, want[validate.FeedDir(p)])
	}
}
