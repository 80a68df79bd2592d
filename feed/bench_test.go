package feed

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"feedpub/internal/gen"
	"feedpub/loader"
)

var benchPosts = gen.Posts

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
					enc, err := formatList[f].item(nil, &bl.r.Config, it, bl.r.prepare(it, true))
					if err != nil {
						b.Fatal(err)
					}
					parts[i] = enc
				}
				body, _, err := bl.r.feedBody(ch, f, bl.r.feedURL(ch, &formatList[f]), ch.items, parts)
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
	pr := bl.r.prepare(it, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bl.r.renderPost(it, pr, it, it, bufs{}); err != nil {
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
		bl.r.prepare(it, false)
	}
}

// BenchmarkRebuildOneChange100k is what the feed package costs a
// publisher after one post of 100,000 (200 categories, 50 tags, 20
// authors) changed: Build, then the Site's paths and the key of each, as
// publish.Write asks them to find the files to make. "serve" keeps its
// Builder from build to build; "build" starts from a fresh one, as
// feedpub build does with the posts its state gives.
func BenchmarkRebuildOneChange100k(b *testing.B) {
	posts := benchPosts(100_000)
	for i, p := range posts {
		p.Body = "<p>short</p>"
		p.Categories = []string{fmt.Sprint("c", i%200), fmt.Sprint("c", (i*7)%200)}
		p.Tags = []string{fmt.Sprint("t", i%50)}
		p.Author.Name = fmt.Sprint("a", i%20)
	}
	slices.SortFunc(posts, func(a, b *loader.Post) int { return strings.Compare(a.Path, b.Path) })
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	newest := slices.IndexFunc(posts, func(p *loader.Post) bool { return p.Path == "2024/0000.html" })
	i := 0
	change := func() {
		c := *posts[newest]
		c.Title, c.Sum = fmt.Sprint("edited ", i), fmt.Sprint("sum ", i)
		posts[newest] = &c
		i++
	}
	publish := func(bl *Builder) {
		site, err := bl.Build(posts, now)
		if err != nil {
			b.Fatal(err)
		}
		paths := site.Paths()
		site.KeysInto(make([]string, len(paths)), paths)
	}
	b.Run("serve", func(b *testing.B) {
		bl, err := NewLeanBuilder(Config{})
		if err != nil {
			b.Fatal(err)
		}
		publish(bl)
		b.ReportAllocs()
		for b.Loop() {
			change()
			publish(bl)
		}
	})
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			change()
			bl, err := NewLeanBuilder(Config{})
			if err != nil {
				b.Fatal(err)
			}
			publish(bl)
		}
	})
}

// BenchmarkColdBuildSeeds is what the feed package costs a cold `feedpub
// build` of the folder FEEDPUB_BENCH_SEEDS names (skipped when unset; for
// example the bench's seeds-10000): loaded slim as build loads it, built
// as build builds it (BuildOnce, 64 MiB of content kept whole), then every
// file's bytes made, the pages of posts first, on all cores, as
// publish.Write asks for them, without writing them.
func BenchmarkColdBuildSeeds(b *testing.B) {
	seeds := os.Getenv("FEEDPUB_BENCH_SEEDS")
	if seeds == "" {
		b.Skip("FEEDPUB_BENCH_SEEDS names no seed folder")
	}
	res, err := loader.New(loader.Config{Root: seeds, BodyBudget: 16 << 20, SlimPosts: true}).Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	var size atomic.Int64
	cpu0 := cpuTime()
	for b.Loop() {
		site, err := BuildOnce(context.Background(), res.Posts, Config{}, now, 64<<20)
		if err != nil {
			b.Fatal(err)
		}
		paths := site.Paths()
		slices.SortStableFunc(paths, func(p, q string) int { return -cmp.Compare(b2i(site.PostPage(p)), b2i(site.PostPage(q))) })
		size.Store(0)
		onCores(len(paths), func(i int) {
			body, err := site.Body(paths[i])
			if err != nil {
				b.Error(err)
			}
			size.Add(int64(len(body)))
		})
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(size.Load())/1e6, "MB/op")
}

func b2i(ok bool) int {
	if ok {
		return 1
	}
	return 0
}
