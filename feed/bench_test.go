package feed

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/loader"
)

// benchPosts makes n posts with seed-sized HTML bodies (about 8 KB of
// Chinese and English text), newest first, in two categories.
func benchPosts(n int) []*loader.Post {
	para := "<p>江南城市商业银行对外发布绿色信贷专项计划，重点支持<strong>分布式光伏</strong>和工业节能改造项目。" +
		`Engineers said the <a href="https://example.com/x">new release</a> cuts cold start time in half.</p>` + "\n"
	body := "<div>\n" + strings.Repeat(para, 8<<10/len(para)+1) + "</div>"
	t0 := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	posts := make([]*loader.Post, n)
	for i := range posts {
		d := t0.Add(-time.Duration(i) * time.Hour)
		posts[i] = &loader.Post{
			Path: fmt.Sprintf("2024/%04d.html", i), Title: fmt.Sprintf("第%d期：绿色信贷", i),
			Date: d, Updated: d, Categories: []string{"金融", "要闻"},
			Author: loader.Author{Name: "江南财经观察"}, Image: "https://picsum.photos/400/300",
			Body: body, Sum: fmt.Sprint(i),
		}
	}
	return posts
}

// benchFeed builds a site of 50 posts and returns its builder and the
// all-posts channel, items prepared.
func benchFeed(tb testing.TB) (*Builder, *channel) {
	b, err := NewBuilder(Config{URL: "https://news.example.com/"})
	if err != nil {
		tb.Fatal(err)
	}
	site, err := b.Build(benchPosts(50), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		tb.Fatal(err)
	}
	ch := site.channels[0]
	if len(ch.items) != 50 {
		tb.Fatalf("got %d items in the all-posts feed, want 50", len(ch.items))
	}
	return b, ch
}

// BenchmarkEncodeFeed encodes one 50-item feed per format, items included
// (their content already sanitised, as a build does once per post).
func BenchmarkEncodeFeed(b *testing.B) {
	bl, ch := benchFeed(b)
	for f := range formatList {
		b.Run(formatList[f].name, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				parts := make([][]byte, len(ch.items))
				for i, it := range ch.items {
					enc, err := formatList[f].item(&bl.cfg, it, bl.cfg.prepare(it, true))
					if err != nil {
						b.Fatal(err)
					}
					parts[i] = enc
				}
				body, _, err := spliceFeed(&bl.cfg, ch, f, parts)
				if err != nil {
					b.Fatal(err)
				}
				size = len(newFile(body, formatList[f].mediaType, ch.updated).Body)
			}
			b.SetBytes(int64(size))
		})
	}
}

// BenchmarkBuild50 is a cold Build of 50 posts: sanitising, encoding and
// hashing every feed.
func BenchmarkBuild50(b *testing.B) {
	posts := benchPosts(50)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(posts, Config{}, now); err != nil {
			b.Fatal(err)
		}
	}
}

// spliceFeed must give the bytes the format's own encoder gives.
func TestSpliceFeedSameBytes(t *testing.T) {
	bl, ch := benchFeed(t)
	for f := range formatList {
		for _, n := range []int{0, 1, 2, 50} {
			t.Run(fmt.Sprintf("%s/%d", formatList[f].name, n), func(t *testing.T) {
				parts := make([][]byte, n)
				for i := range parts {
					parts[i] = ch.items[i].enc[f]
				}
				got, offs, err := spliceFeed(&bl.cfg, ch, f, parts)
				if err != nil {
					t.Fatal(err)
				}
				want, err := formatList[f].feed(&bl.cfg, ch, bl.cfg.feedURL(ch, &formatList[f]), parts)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("got %d bytes from spliceFeed, want the %d bytes of the encoder", len(got), len(want))
				}
				for i, off := range offs {
					if !bytes.Equal(got[off:off+len(parts[i])], parts[i]) {
						t.Errorf("item %d: got other bytes at offset %d, want the item's", i, off)
					}
				}
			})
		}
	}
}

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
			for _, p := range want.Paths() {
				if g, w := fileAt(t, got, p).Body, fileAt(t, want, p).Body; !bytes.Equal(g, w) {
					t.Errorf("%s: got %d bytes from the rebuild, want the %d bytes of a fresh build", p, len(g), len(w))
				}
			}
			for _, p := range st.same {
				if got.Files[p] == nil {
					t.Fatalf("%s: no such feed; got %q", p, got.Paths())
				}
				if got.Files[p] != prev.Files[p] {
					t.Errorf("%s: got a new File, want the last build's (its items did not change)", p)
				}
			}
			prev = got
		})
	}
}

// A Preview is served while Compress runs: Compress must not touch it.
func TestPreviewUntouchedByCompress(t *testing.T) {
	site, err := Build(benchPosts(3), Config{}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	pre := site.Preview()
	site.Compress()
	for p := range site.Files {
		if pre.Files[p].Gzip != nil {
			t.Errorf("%s: got gzip bytes in the preview after Compress, want none", p)
		}
		if site.Files[p].Gzip == nil {
			t.Errorf("%s: got no gzip bytes after Compress", p)
		}
		if !bytes.Equal(pre.Files[p].Body, site.Files[p].Body) || pre.Files[p].ETag != site.Files[p].ETag {
			t.Errorf("%s: preview and site differ", p)
		}
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

// BenchmarkRebuildOneChanged is the Build after one post of 100,000 (in
// 200 categories) changed, as serve does it after a file event: what
// costs there is the pass over the posts, not the encoding.
func BenchmarkRebuildOneChanged(b *testing.B) {
	posts := benchPosts(100_000)
	for i, p := range posts {
		p.Body = "<p>short</p>"
		p.Categories = []string{fmt.Sprint("c", i%200), fmt.Sprint("c", (i*7)%200)}
	}
	slices.SortFunc(posts, func(a, b *loader.Post) int { return strings.Compare(a.Path, b.Path) })
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	bl, err := NewBuilder(Config{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := bl.Build(posts, now); err != nil {
		b.Fatal(err)
	}
	newest := slices.IndexFunc(posts, func(p *loader.Post) bool { return p.Path == "2024/0000.html" })
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := *posts[newest]
		c.Title = fmt.Sprint("edited ", i)
		posts[newest] = &c
		i++
		if _, err := bl.Build(posts, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPostPage makes the page of one post whose content is prepared,
// as serve does for a post in a feed and build for every post.
func BenchmarkPostPage(b *testing.B) {
	bl, ch := benchFeed(b)
	it := ch.items[0]
	pr := bl.cfg.prepare(it, true)
	fr, err := bl.cfg.postFrame()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bl.cfg.renderPost(it, pr, fr, it, it); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepare sanitises one seed-sized body.
func BenchmarkPrepare(b *testing.B) {
	bl, ch := benchFeed(b)
	it := ch.items[0]
	b.ReportAllocs()
	it.prep.Store(nil)
	for b.Loop() {
		bl.cfg.prepare(it, false)
	}
}
