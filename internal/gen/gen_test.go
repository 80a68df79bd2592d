package gen

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// scan reads dir with the loader, failing on any problem.
func scan(t *testing.T, dir string) []*loader.Post {
	t.Helper()
	res, err := loader.New(loader.Config{Root: dir}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Problems {
		t.Errorf("%v", p)
	}
	return res.Posts
}

// The same options write the same files, every one a post the loader
// accepts; another seed writes other files.
func TestWriteDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	o := Options{Cats: 20, Size: 2 << 10, Seed: 1}
	for _, dir := range []string{a, b} {
		if err := Write(context.Background(), dir, 40, o); err != nil {
			t.Fatal(err)
		}
	}
	o.Seed = 2
	if err := Write(context.Background(), c, 40, o); err != nil {
		t.Fatal(err)
	}
	ta, tb, tc := feedtest.ReadTree(t, a), feedtest.ReadTree(t, b), feedtest.ReadTree(t, c)
	if len(ta) != 40 || len(tb) != 40 {
		t.Fatalf("got %d and %d files, want 40 each", len(ta), len(tb))
	}
	differ := 0
	for name, data := range ta {
		if !bytes.Equal(data, tb[name]) {
			t.Errorf("%s: the same options wrote other bytes", name)
		}
		if !bytes.Equal(data, tc[name]) {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("seed 2 wrote the files of seed 1")
	}
	if n := len(scan(t, a)); n != 40 {
		t.Errorf("the loader read %d posts, want 40", n)
	}
}

func TestSmall(t *testing.T) {
	dir := t.TempDir()
	if err := Small(dir, 30, "a"); err != nil {
		t.Fatal(err)
	}
	posts := scan(t, dir)
	if len(posts) != 30 {
		t.Fatalf("the loader read %d posts, want 30", len(posts))
	}
	for _, p := range posts {
		if n := len(p.Categories); n < 1 || n > 2 || !strings.HasSuffix(p.Title, " a") {
			t.Errorf("%s: title %q, categories %q; want the variant's title and one or two categories", p.Path, p.Title, p.Categories)
		}
	}
}

func TestPosts(t *testing.T) {
	posts := Posts(5)
	for i, p := range posts {
		if len(p.Body) < 8<<10 || (i > 0 && !p.Date.Before(posts[i-1].Date)) {
			t.Errorf("post %d: %d bytes of body, date %v; want about 8 KB, newest first", i, len(p.Body), p.Date)
		}
	}
}

// Fewer than three categories: a post takes at most as many as there are
// (it used to draw forever for a third distinct one).
func TestWriteFewCategories(t *testing.T) {
	for _, cats := range []int{1, 2} {
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := Write(ctx, dir, 30, Options{Cats: cats, Size: 256, Seed: 1})
		cancel()
		if err != nil {
			t.Fatalf("Cats %d: %v", cats, err)
		}
		names := map[string]bool{}
		for _, p := range scan(t, dir) {
			for _, c := range p.Categories {
				names[c] = true
			}
		}
		if len(names) != cats {
			t.Errorf("Cats %d: the posts name %d categories", cats, len(names))
		}
	}
}
