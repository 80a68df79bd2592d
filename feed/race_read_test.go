package feed

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"feedpub/internal/validate"
	"feedpub/loader"
)

// A post whose file changes between the scan and the build of a large
// folder (slim posts, read again when shown) is never published
// half-known: its item keeps its title, author and guid (the permalink of
// its link:). An edit that leaves it in place is published whole; one
// that moves it (a new date) keeps what was first read until the next
// build.
func TestSlimPostChangedDuringBuild(t *testing.T) {
	post := func(date, title, body string) string {
		return "---\ntitle: " + title + "\ndate: " + date + "\nauthor: Li Wei\nlink: https://example.org/a\ncategories: [news]\n---\n" + body + "\n"
	}
	for _, tc := range []struct {
		name, edit, wantTitle, wantContent string
	}{
		{"body edited", post("2024-01-02 10:00", "First", "Second **body**"), "First", "<strong>body</strong>"},
		{"title edited", post("2024-01-02 10:00", "Renamed", "Second body"), "Renamed", "Second body"},
		{"date edited", post("2024-03-01 10:00", "Moved", "Moved body"), "First", ""},
		{"emptied", "", "First", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			name := filepath.Join(root, "a.md")
			if err := os.WriteFile(name, []byte(post("2024-01-02 10:00", "First", "First body")), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := loader.New(loader.Config{Root: root, BodyBudget: 1, SlimPosts: true}).Scan(context.Background())
			if err != nil || len(res.Posts) != 1 {
				t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
			}
			// The file changes after the scan, before the build reads it again.
			if err := os.WriteFile(name, []byte(tc.edit), 0o644); err != nil {
				t.Fatal(err)
			}
			site, err := BuildLean(res.Posts, goldenConfig(), goldenNow)
			if err != nil {
				t.Fatal(err)
			}
			data, err := site.Body("/rss.xml")
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.StrictXML(data); err != nil {
				t.Fatalf("rss.xml: %v", err)
			}
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(data))
			if err != nil || len(feed.Items) != 1 {
				t.Fatalf("gofeed: %v, %d items", err, len(feed.Items))
			}
			it := feed.Items[0]
			if it.Title != tc.wantTitle || it.GUID != "https://example.org/a" || it.Link != "https://example.org/a" {
				t.Errorf("got title %q, guid %q, link %q; want %q and the permalink", it.Title, it.GUID, it.Link, tc.wantTitle)
			}
			if it.Author == nil || it.Author.Name != "Li Wei" {
				t.Errorf("got author %+v, want Li Wei", it.Author)
			}
			if !strings.Contains(it.Content, tc.wantContent) {
				t.Errorf("got content %q, want %q in it", it.Content, tc.wantContent)
			}
		})
	}
}
