package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"feedpub/internal/feedtest"
	"feedpub/internal/gen"
	"feedpub/internal/validate"
)

// TestBuildRefusesOutAndKeepsOthersFiles runs the build command: a refused
// -out writes nothing, and a build deletes only files it wrote itself.
func TestBuildRefusesOutAndKeepsOthersFiles(t *testing.T) {
	base := t.TempDir()
	seeds := filepath.Join(base, "seeds")
	genPosts(t, seeds, 20, "a")
	before := feedtest.ReadTree(t, base)
	for _, out := range []string{seeds, base, "/", filepath.Join(seeds, "out")} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", out}, &stdout, &stderr)
		if err == nil {
			t.Errorf("build -out %s: got nil, want a refusal", out)
		}
	}
	if after := feedtest.ReadTree(t, base); len(after) != len(before) {
		t.Fatalf("refused builds changed the folder: %d files before, %d after", len(before), len(after))
	}

	out := filepath.Join(base, "public")
	os.MkdirAll(filepath.Join(out, "categories"), 0o755)
	mine := map[string]string{"CNAME": "news.example.com", "robots.txt": "User-agent: *", "categories/keep.txt": "keep"}
	for n, body := range mine {
		os.WriteFile(filepath.Join(out, n), []byte(body), 0o644)
	}
	for i := range 2 {
		if i == 1 { // a category disappears between the builds
			os.RemoveAll(seeds)
			genPosts(t, seeds, 5, "b")
		}
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"build", "-quiet", "-seeds", seeds, "-out", out}, &stdout, &stderr); err != nil {
			t.Fatalf("build: %v\n%s", err, stderr.String())
		}
	}
	got := feedtest.ReadTree(t, out)
	for n, body := range mine {
		if string(got[n]) != body {
			t.Errorf("%s: got %q, want the user's file untouched", n, got[n])
		}
	}
	if _, ok := got["categories/教育/rss.xml"]; ok {
		t.Errorf("feed of a category gone from the posts is still there")
	}
	if _, ok := got["categories/金融/rss.xml"]; !ok {
		t.Errorf("feed of a category still in the posts is missing; got %d files", len(got))
	}
}

// TestBuildFeedBudget builds a folder of very long posts with
// max_feed_bytes: no feed build writes is larger, and each is valid.
func TestBuildFeedBudget(t *testing.T) {
	base := t.TempDir()
	seeds, out := filepath.Join(base, "seeds"), filepath.Join(base, "public")
	if err := gen.Write(context.Background(), seeds, 30, gen.Options{Cats: 4, Size: 96 << 10, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	const budget = 300000
	cfg := filepath.Join(base, "feedpub.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("max_feed_bytes: %d\n", budget)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", "-config", cfg, "-seeds", seeds, "-out", out, "-quiet"}, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	files := readFeeds(t, out)
	if len(files) == 0 {
		t.Fatal("no feeds written")
	}
	cut := 0
	for p, body := range files {
		if len(body) > budget {
			t.Errorf("%s: %d bytes, over max_feed_bytes %d", p, len(body), budget)
		}
		if bytes.Contains(body, []byte("The feed holds the newest")) || bytes.Contains(body, []byte("订阅源收录最新的")) {
			cut++
		}
		if err := validate.WellFormed(p, body); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if cut == 0 {
		t.Error("no feed says it was cut: the posts are not long enough to test the budget")
	}
}

// TestBuildWholeUnderLimit: a build keeps content as it is only where its
// posts leave room for it under its memory limit, and a large folder's
// limit stays what its posts need.
func TestBuildWholeUnderLimit(t *testing.T) {
	for _, c := range []struct{ n, kept int }{{0, 0}, {10000, 0}, {10000, 10000}, {13000, 0}, {100000, 0}, {100000, 100000}} {
		whole, limit, posts := buildWhole(c.n, c.kept), buildMemoryLimit(c.n, c.kept), postsHeap(c.n, c.kept)
		switch {
		case whole > 0 && posts+whole > limit*6/10: // the rest for garbage between collections
			t.Errorf("%d posts (%d kept): limit %d MiB for %d MiB of posts and %d MiB of content kept whole",
				c.n, c.kept, limit>>20, posts>>20, whole>>20)
		case whole == 0 && limit != max(256<<20, posts):
			t.Errorf("%d posts (%d kept), no content kept whole: limit %d MiB, want %d", c.n, c.kept, limit>>20, max(256<<20, posts)>>20)
		}
	}
	if buildWhole(10000, 0) == 0 {
		t.Error("a cold build of 10,000 posts keeps no content whole")
	}
	if buildWhole(100000, 0) != 0 {
		t.Error("a build of 100,000 posts keeps content whole")
	}
}
