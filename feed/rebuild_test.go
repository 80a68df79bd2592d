package feed

import (
	"bytes"
	"path"
	"slices"
	"testing"
	"time"

	"feedpub/loader"
)

// A Builder that keeps items, order, slugs and feeds from build to build
// gives the bytes a fresh Build gives, and keeps the very File of a feed
// whose newest items did not change.
func TestRebuildMatchesFreshBuild(t *testing.T) {
	posts := benchPosts(120)
	for i, p := range posts {
		if i%3 == 0 {
			p.Categories = []string{"科技"}
		}
	}
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	cfg := Config{URL: "https://news.example.com/"}
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, err := b.Build(posts, now)
	if err != nil {
		t.Fatal(err)
	}
	clone := func(p *loader.Post) *loader.Post { c := *p; return &c }
	steps := []struct {
		name   string
		change func(posts []*loader.Post) []*loader.Post
		now    time.Time
		same   []string // feeds whose File must be the one of the step before
	}{
		{"old post edited", func(ps []*loader.Post) []*loader.Post {
			ps[110] = clone(ps[110])
			ps[110].Title = "edited"
			return ps
		}, now, []string{"/rss.xml", "/categories/金融/atom.xml", "/categories/科技/feed.json"}},
		{"newest post edited", func(ps []*loader.Post) []*loader.Post {
			ps[1] = clone(ps[1]) // in 金融, not in 科技
			ps[1].Title = "edited too"
			return ps
		}, now, []string{"/categories/科技/rss.xml"}},
		{"post removed and one added", func(ps []*loader.Post) []*loader.Post {
			n := clone(ps[5])
			n.Path, n.Title, n.Date = "2024/new.html", "new", now.Add(-time.Minute)
			return append(append(ps[:7:7], ps[8:]...), n)
		}, now, nil},
		{"future post comes due, draft", func(ps []*loader.Post) []*loader.Post {
			f := clone(ps[2])
			f.Path, f.Title, f.Date = "2024/future.html", "future", now.Add(time.Hour)
			d := clone(ps[3])
			d.Draft = true
			ps[3] = d
			return append(ps, f)
		}, now.Add(2 * time.Hour), nil},
		{"post moves to a new category", func(ps []*loader.Post) []*loader.Post {
			ps[4] = clone(ps[4])
			ps[4].Categories = []string{"体育"}
			return ps
		}, now.Add(2 * time.Hour), []string{"/categories/科技/rss.xml"}},
		{"a second name for a slug", func(ps []*loader.Post) []*loader.Post {
			ps[10] = clone(ps[10])
			ps[10].Categories = []string{"Sport", "sport"}
			ps[11] = clone(ps[11])
			ps[11].Categories = []string{"SPORT"}
			return ps
		}, now.Add(2 * time.Hour), nil},
		{"category emptied", func(ps []*loader.Post) []*loader.Post {
			ps[4] = clone(ps[4])
			ps[4].Categories = nil
			return ps
		}, now.Add(2 * time.Hour), nil},
		{"tags and an author given", func(ps []*loader.Post) []*loader.Post {
			ps[6] = clone(ps[6])
			ps[6].Tags = []string{"Go", "go", "发布"}
			ps[12] = clone(ps[12])
			ps[12].Tags = []string{"发布"}
			ps[12].Author = loader.Author{Name: "Ann"}
			return ps
		}, now.Add(2 * time.Hour), []string{"/categories/科技/rss.xml"}},
		{"a tag dropped, the author renamed", func(ps []*loader.Post) []*loader.Post {
			ps[6] = clone(ps[6])
			ps[6].Tags = []string{"发布"}
			ps[12] = clone(ps[12])
			ps[12].Author = loader.Author{Name: "ANN"}
			return ps
		}, now.Add(2 * time.Hour), nil},
		{"nothing changed but the time", func(ps []*loader.Post) []*loader.Post {
			return ps
		}, now.Add(3 * time.Hour), []string{"/rss.xml", "/categories/金融/atom.xml", "/categories/sport/feed.json"}},
		{"a post for later", func(ps []*loader.Post) []*loader.Post {
			f := clone(ps[1])
			f.Path, f.Title, f.Date = "2024/later.html", "later", now.Add(5*time.Hour)
			return append(ps, f)
		}, now.Add(3 * time.Hour), nil},
		{"time alone makes it due", func(ps []*loader.Post) []*loader.Post {
			return ps
		}, now.Add(6 * time.Hour), []string{"/categories/sport/feed.json"}},
		{"time goes back", func(ps []*loader.Post) []*loader.Post {
			return ps
		}, now.Add(4 * time.Hour), nil},
		{"the newest post revised: the feeds' dates alone change", func(ps []*loader.Post) []*loader.Post {
			i := slices.IndexFunc(ps, func(p *loader.Post) bool { return p.Title == "future" })
			ps[i] = clone(ps[i])
			ps[i].Updated = now.Add(100 * time.Minute)
			return ps
		}, now.Add(2 * time.Hour), nil},
		{"an old post dated anew moves to the top", func(ps []*loader.Post) []*loader.Post {
			ps[100] = clone(ps[100])
			ps[100].Date = now.Add(90 * time.Minute)
			return ps
		}, now.Add(2 * time.Hour), nil},
		{"a post deleted", func(ps []*loader.Post) []*loader.Post {
			return append(ps[:50:50], ps[51:]...)
		}, now.Add(2 * time.Hour), nil},
		{"same slug from another folder", func(ps []*loader.Post) []*loader.Post {
			c := clone(ps[9])
			c.Path = "other/" + path.Base(c.Path)
			c.Date = now.Add(-time.Second)
			return append(ps, c)
		}, now.Add(2 * time.Hour), nil},
	}
	prev := first
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			posts = st.change(posts)
			got, err := b.Build(posts, st.now)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Build(posts, cfg, st.now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Paths(), want.Paths()) {
				t.Fatalf("got paths %q, want %q", got.Paths(), want.Paths())
			}
			for i, p := range want.Paths() {
				// A post's page depends on the post alone: -short compares
				// one in five of them, and every other file.
				if testing.Short() && KindOf(p) == KindPost && i%5 != 0 {
					continue
				}
				if g, w := fileAt(t, got, p).Body, fileAt(t, want, p).Body; !bytes.Equal(g, w) {
					t.Errorf("%s: got %d bytes from the rebuild, want the %d bytes of a fresh build", p, len(g), len(w))
				}
			}
			// Keys tell a publisher which files to make: a rebuild's,
			// kept where they hold, are a fresh build's, for every path.
			// KeysInto gives them too, for paths in order or not.
			paths := want.Paths()
			inOrder, reversed := make([]string, len(paths)), make([]string, len(paths))
			got.KeysInto(inOrder, paths)
			back := slices.Clone(paths)
			slices.Reverse(back)
			got.KeysInto(reversed, back)
			for i, p := range paths {
				w := want.Key(p)
				if g := got.Key(p); g != w {
					t.Errorf("%s: got key %q from the rebuild, want the fresh build's %q", p, g, w)
				}
				if inOrder[i] != w || reversed[len(paths)-1-i] != w {
					t.Errorf("%s: KeysInto gives %q in order, %q in reverse; want %q as Key", p, inOrder[i], reversed[len(paths)-1-i], w)
				}
			}
			for _, p := range st.same {
				if fileAt(t, got, p) == nil {
					t.Fatalf("%s: no such feed; got %q", p, got.Paths())
				}
				if fileAt(t, got, p) != fileAt(t, prev, p) {
					t.Errorf("%s: got a new File, want the last build's (its items did not change)", p)
				}
			}
			prev = got
		})
	}
}

// The Builder forgets the items of posts that went.
func TestRebuildForgetsOldItems(t *testing.T) {
	posts := benchPosts(10)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := NewBuilder(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(posts, now); err != nil {
		t.Fatal(err)
	}
	edited := *posts[3]
	posts[3] = &edited
	posts[5].Draft = true
	if _, err := b.Build(append(posts[:8:8], posts[9]), now); err != nil { // posts[8] went
		t.Fatal(err)
	}
	if got, want := len(b.items), 8; got != want {
		t.Errorf("got %d items kept, want %d (10 posts, one gone, one a draft)", got, want)
	}
	if len(b.order) != len(b.items) {
		t.Errorf("got %d items in order, %d in the cache; want as many", len(b.order), len(b.items))
	}
}
