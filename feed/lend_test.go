package feed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/loader"
)

// The body of a slim post read again is lent (loader.Post.WithFull): a
// part of a buffer that the next file read reuses. What is kept of it (the
// content of a post in feeds, sanitised as it came) is a copy: a build of
// slim posts, whose files are read again one after another, writes the
// bytes of a build of whole posts, its feeds written after many reads.
func TestSlimBuildKeepsNoLentBody(t *testing.T) {
	root := t.TempDir()
	for i := range 60 {
		body := strings.Repeat(fmt.Sprintf("<p>Post %d, its body.</p>\n", i), 60-i) // as sanitising leaves it
		text := fmt.Sprintf("---\ntitle: Post %d\ndate: 2024-01-%02d 10:%02d\ncategories: [c%d]\n---\n%s", i, 1+i%28, i, i%3, body)
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("p%02d.html", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	scan := func(slim bool) []*loader.Post {
		cfg := loader.Config{Root: root, Location: goldenZone}
		if slim {
			cfg.BodyBudget, cfg.SlimPosts = 1, true
		}
		res, err := loader.New(cfg).Scan(context.Background())
		if err != nil || len(res.Posts) != 60 {
			t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
		}
		return res.Posts
	}
	for name, build := range map[string]func([]*loader.Post, Config, time.Time) (*Site, error){"Build": Build, "BuildLean": BuildLean} {
		want, err := build(scan(false), goldenConfig(), goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		got, err := build(scan(true), goldenConfig(), goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Paths(), want.Paths()) {
			t.Fatalf("%s: got paths %q, want %q", name, got.Paths(), want.Paths())
		}
		for _, p := range want.Paths() {
			data, err := got.Body(p)
			if err != nil {
				t.Fatal(err)
			}
			if w := fileAt(t, want, p).Body; !bytes.Equal(data, w) {
				t.Errorf("%s: %s of slim posts differs from that of whole posts", name, p)
			}
		}
	}
}
