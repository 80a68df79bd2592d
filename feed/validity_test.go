package feed_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// The folders every feed is built from in these tests: the bundled seeds
// and posts written to break feeds.
var corpora = []struct{ name, dir string }{
	{"seeds", "../seeds"},
	{"hostile", "../testdata/hostile"},
}

// now is after every post: all of them are due.
var now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func shanghai(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func testConfig(t testing.TB) feed.Config {
	return feed.Config{
		Title:    "Validity & <Tests>",
		URL:      "https://news.example.com/blog/",
		Language: "zh-CN",
		Author:   "Desk",
		Limit:    8,
		TTL:      time.Hour,
		Location: shanghai(t),
	}
}

func loadPosts(t testing.TB, dir string) []*loader.Post {
	t.Helper()
	res, err := loader.New(loader.Config{Root: dir, Location: shanghai(t)}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) == 0 {
		t.Fatalf("%s: no posts", dir)
	}
	return res.Posts
}

// made is the file at path p of site, failing the test if there is none.
func made(t testing.TB, site *feed.Site, p string) *feed.File {
	t.Helper()
	f, err := site.File(p)
	if err != nil || f == nil {
		t.Fatalf("%s: got no file (%v)", p, err)
	}
	return f
}

// feedFiles lists the site's feed files: path -> format.
func feedFiles(site *feed.Site) map[string]string {
	out := map[string]string{}
	for p := range site.Made() {
		if f := validate.FormatOf(p); f != "" {
			out[p] = f
		}
	}
	return out
}

var mediaTypes = map[string]string{
	"rss":  "application/rss+xml",
	"atom": "application/atom+xml",
	"json": "application/feed+json",
}

// TestFeedsValid builds every feed of each corpus and reads each back:
// strict XML, gofeed, the rules of its format, and the items the posts
// call for. With the external tools present it also runs jing on every
// Atom feed and Python's feedparser on every RSS and Atom feed.
func TestFeedsValid(t *testing.T) {
	for _, c := range corpora {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			posts := loadPosts(t, c.dir)
			site, err := feed.Build(posts, cfg, now)
			if err != nil {
				t.Fatal(err)
			}
			want := validate.Expect(posts, now, cfg.Limit, feed.Slug)
			files := map[string][]byte{}
			for p, format := range feedFiles(site) {
				files[p] = made(t, site, p).Body
				if got := made(t, site, p).Type; !strings.HasPrefix(got, mediaTypes[format]+";") {
					t.Errorf("%s: media type %q, want %s", p, got, mediaTypes[format])
				}
			}
			opt := validate.Options{TTL: 60, Language: "zh-CN"}
			validate.Site(t, files, want, "https://news.example.com/blog/", opt)
		})
	}
}

// TestRebuildIdentical: the same input gives byte-identical files, from a
// fresh build and from a builder that built before.
func TestRebuildIdentical(t *testing.T) {
	for _, c := range corpora {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			posts := loadPosts(t, c.dir)
			a, err := feed.Build(posts, cfg, now)
			if err != nil {
				t.Fatal(err)
			}
			b, err := feed.NewBuilder(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Build(posts, now); err != nil {
				t.Fatal(err)
			}
			again := loadPosts(t, c.dir) // new Post values with the same content
			second, err := b.Build(again, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []*feed.Site{second} {
				if got, want := len(s.Paths()), len(a.Paths()); got != want {
					t.Errorf("got %d files, want %d", got, want)
				}
				for p, f := range a.Made() {
					if g, _ := s.File(p); g == nil || !bytes.Equal(g.Body, f.Body) {
						t.Errorf("%s: rebuild differs", p)
					}
				}
			}
		})
	}
}

// holds lists the feed folders whose feeds hold the post at path.
func holds(want map[string]*validate.Want, postPath string) map[string]bool {
	out := map[string]bool{}
	for dir, w := range want {
		for _, it := range w.Items {
			if it.Path == postPath {
				out[dir] = true
			}
		}
	}
	return out
}

func intsToPaths(posts []*loader.Post, idx []int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, posts[i].Path)
	}
	return out
}

// TestEditChangesOnlyItsFeeds edits the body of one post and rebuilds:
// exactly the feeds that hold it change.
func TestEditChangesOnlyItsFeeds(t *testing.T) {
	cfg := testConfig(t)
	cfg.Limit = 50
	posts := loadPosts(t, "../seeds")
	want := validate.Expect(posts, now, cfg.Limit, feed.Slug)
	b, err := feed.NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	before, err := b.Build(posts, now)
	if err != nil {
		t.Fatal(err)
	}
	// Three posts that are in a category, far apart in the list.
	var picks []int
	for _, i := range []int{0, len(posts) / 2, len(posts) - 1} {
		for ; i < len(posts); i++ {
			if len(holds(want, posts[i].Path)) >= 2 && !slices.Contains(intsToPaths(posts, picks), posts[i].Path) {
				picks = append(picks, i)
				break
			}
		}
	}
	if len(picks) < 2 {
		t.Fatalf("found %d posts to edit, want at least 2", len(picks))
	}
	for _, i := range picks {
		edited := append([]*loader.Post(nil), posts...)
		p := *posts[i]
		p.Body += "<p>An added paragraph.</p>"
		p.Sum = "edited"
		edited[i] = &p
		after, err := b.Build(edited, now)
		if err != nil {
			t.Fatal(err)
		}
		in := holds(want, p.Path)
		if len(in) < 2 {
			t.Fatalf("%s is in %d feeds; the test wants a post in the all-posts feed and a category", p.Path, len(in))
		}
		for fp := range feedFiles(before) {
			dir := validate.FeedDir(fp)
			changed := !bytes.Equal(made(t, before, fp).Body, made(t, after, fp).Body)
			if changed != in[dir] {
				t.Errorf("edit %s: %s changed = %v, want %v", p.Path, fp, changed, in[dir])
			}
		}
		// Back to the original for the next round.
		if before, err = b.Build(posts, now); err != nil {
			t.Fatal(err)
		}
	}
}

// itemID finds the id of the item titled title in each format of the
// all-posts feed.
func itemIDs(t *testing.T, site *feed.Site, title string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, format := range map[string]string{"/rss.xml": "rss", "/atom.xml": "atom", "/feed.json": "json"} {
		f, _ := validate.Check(format, made(t, site, p).Body, validate.Options{})
		if f == nil {
			t.Fatalf("%s: unreadable", p)
		}
		for _, it := range f.Items {
			if it.Title == title {
				out[format] = it.ID
			}
		}
		if out[format] == "" {
			t.Fatalf("%s: no item titled %q", p, title)
		}
	}
	return out
}

// TestIDsStable: an item keeps its id when its post's title, body or date
// is edited, in every format.
func TestIDsStable(t *testing.T) {
	for _, c := range corpora {
		t.Run(c.name, func(t *testing.T) { testIDsStable(t, c.dir) })
	}
}

func testIDsStable(t *testing.T, dir string) {
	cfg := testConfig(t)
	cfg.Limit = 100
	posts := loadPosts(t, dir)
	site, err := feed.Build(posts, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	edits := []struct {
		name string
		edit func(p *loader.Post)
	}{
		{"title", func(p *loader.Post) { p.Title = "A new title for " + p.Path }},
		{"body", func(p *loader.Post) { p.Body = "<p>Rewritten.</p>" }},
		{"date", func(p *loader.Post) { p.Date = p.Date.Add(-72 * time.Hour); p.Updated = p.Date.Add(time.Hour) }},
	}
	// One post with a link of its own and one without, where the folder
	// has both.
	var picks []int
	for _, withLink := range []bool{false, true} {
		for i, p := range posts {
			if strings.HasPrefix(p.Link, "http") == withLink {
				picks = append(picks, i)
				break
			}
		}
	}
	for _, i := range picks {
		orig := itemIDs(t, site, posts[i].Title)
		for _, e := range edits {
			t.Run(posts[i].Path+"/"+e.name, func(t *testing.T) {
				edited := append([]*loader.Post(nil), posts...)
				p := *posts[i]
				e.edit(&p)
				p.Sum = "edited"
				edited[i] = &p
				s2, err := feed.Build(edited, cfg, now)
				if err != nil {
					t.Fatal(err)
				}
				got := itemIDs(t, s2, p.Title)
				for format, id := range orig {
					if got[format] != id {
						t.Errorf("%s: id %q, want %q", format, got[format], id)
					}
				}
			})
		}
	}
}

// TestHostileCategories: names that differ only in case or width share one
// feed, and non-ASCII slugs are percent-encoded in the feed's own URL.
func TestHostileCategories(t *testing.T) {
	cfg := testConfig(t)
	site, err := feed.Build(loadPosts(t, "../testdata/hostile"), cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	var ai []feed.FeedInfo
	for _, f := range site.Feeds() {
		if slices.Contains([]string{"AI", "ai", "ＡＩ", "Ai", "ａｉ"}, f.Name) {
			ai = append(ai, f)
		}
	}
	if len(ai) != 1 || ai[0].Slug != "ai" || ai[0].Items != 2 {
		t.Errorf("got feeds %+v for AI, ai, ＡＩ, Ai and ａｉ; want one, slug ai, 2 items", ai)
	}
	body := string(made(t, site, "/categories/عربي/atom.xml").Body)
	if want := `href="https://news.example.com/blog/categories/%D8%B9%D8%B1%D8%A8%D9%8A/atom.xml"`; !strings.Contains(body, want) {
		t.Errorf("Arabic category feed: no %s", want)
	}
}

// FuzzFeeds: whatever a post file holds, a post the loader accepts gives
// feeds that pass every check of internal/validate and hold that post. The
// seed corpus is the hostile posts.
func FuzzFeeds(f *testing.F) {
	exts := []string{".txt", ".md", ".html"}
	dir := "../testdata/hostile"
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(slices.Index(exts, filepath.Ext(e.Name()))), data)
	}
	cfg := testConfig(f)
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		p, _, err := loader.Parse("post"+exts[int(kind)%len(exts)], data, loader.Options{Location: time.UTC})
		if err != nil {
			return // rejected with a reason: the loader's tests check those
		}
		posts := []*loader.Post{p}
		site, err := feed.Build(posts, cfg, now)
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		want := validate.Expect(posts, now, cfg.Limit, feed.Slug)
		for fp, format := range feedFiles(site) {
			got, errs := validate.Check(format, made(t, site, fp).Body, validate.Options{
				SelfURL: validate.URL(cfg.URL, fp), TTL: 60, Language: cfg.Language})
			if got != nil {
				errs = append(errs, validate.Compare(got, want[validate.FeedDir(fp)])...)
			}
			for _, err := range errs {
				t.Errorf("%s: %v", fp, err)
			}
		}
	})
}
