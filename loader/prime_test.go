package loader

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPrime: a post told by Prime whose file has the size and time given
// is taken without reading the file, and reads it again for its body; a
// file that changed, or one told as stale, is read again.
func TestPrime(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		os.Chtimes(p, old, old)
	}
	write("a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nbody of a\n")
	write("b.md", "---\ntitle: B\ndate: 2024-01-02\n---\nbody of b\n")
	first := New(Config{Root: dir})
	res, err := first.Scan(context.Background())
	if err != nil || len(res.Posts) != 2 {
		t.Fatalf("first scan: %v, %d posts", err, len(res.Posts))
	}
	known := first.Known()
	known[0].Post.Title = "A as remembered" // proves the post is taken, not read
	write("b.md", "---\ntitle: B2\ndate: 2024-01-02\n---\nnew body of b, longer\n")

	l := New(Config{Root: dir})
	l.Prime(known)
	res, err = l.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 1 {
		t.Errorf("got %d files read, want 1 (b.md, changed)", res.Read)
	}
	if got := res.Posts[0].Title; got != "A as remembered" {
		t.Errorf("a.md: got title %q, want the primed post", got)
	}
	if got := res.Posts[1].Title; got != "B2" {
		t.Errorf("b.md: got title %q, want it read again", got)
	}
	body, err := res.Posts[0].LoadBody()
	if err != nil || body == "" {
		t.Errorf("a.md's body: got %q, %v; want it read from the file", body, err)
	}

	// Told as stale (its file did not read last time): read again.
	known = l.Known()
	known[0].Stale = true
	l = New(Config{Root: dir})
	l.Prime(known)
	if res, _ := l.Scan(context.Background()); res.Read != 1 {
		t.Errorf("stale a.md: got %d files read, want 1", res.Read)
	}
}

// TestPrimeWith: Scan asks for what to prime with once, before it reads,
// and takes the posts given as they are (the same posts, not copies).
func TestPrimeWith(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	p := filepath.Join(dir, "a.md")
	os.WriteFile(p, []byte("---\ntitle: A\ndate: 2024-01-01\n---\nbody of a\n"), 0o644)
	os.Chtimes(p, old, old)
	first := New(Config{Root: dir})
	if _, err := first.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	known := first.Known()
	given := &Post{Path: "a.md", Title: "A as remembered", Date: known[0].Post.Date, Updated: known[0].Post.Updated, Sum: known[0].Post.Sum}
	known[0].Post = given
	calls := 0
	l := New(Config{Root: dir})
	l.PrimeWith(func() []Known { calls++; return known })
	res, err := l.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || res.Read != 0 || len(res.Posts) != 1 || res.Posts[0] != given {
		t.Fatalf("got %d calls, %d files read, posts %v; want 1 call, none read, the post given", calls, res.Read, res.Posts)
	}
	if body, err := given.LoadBody(); err != nil || body != "<p>body of a</p>\n" {
		t.Errorf("the post given reads its body from the file: got %q, %v", body, err)
	}
	if _, err := l.Scan(context.Background()); err != nil || calls != 1 {
		t.Errorf("a second scan: got %d calls, %v; want none more", calls, err)
	}
}
