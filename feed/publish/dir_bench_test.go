package publish

import (
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"testing"

	"golang.org/x/sync/errgroup"
)

// BenchmarkDirWrite writes a tree shaped as a 10,000-post site into an
// empty folder through a Dir, on all cores as Write does: a folder of one
// 8 KB page per post, and 200 folders of three 200 KB feeds. The os.Root
// version of Dir runs with -tags osroot; `cp -r` of the result is the floor
// (internal/bench prints both).
func BenchmarkDirWrite(b *testing.B) {
	const posts, cats = 10000, 200
	page, feedBody := make([]byte, 8<<10), make([]byte, 200<<10)
	for i := range feedBody {
		feedBody[i] = byte('a' + i%26)
	}
	var names []string
	for i := range posts {
		names = append(names, fmt.Sprintf("posts/%06d_post/index.html", i))
	}
	for i := range cats {
		for _, f := range []string{"rss.xml", "atom.xml", "feed.json"} {
			names = append(names, fmt.Sprintf("categories/c%d/%s", i, f))
		}
	}
	sort.Strings(names)
	b.SetBytes(int64(posts*len(page) + 3*cats*len(feedBody)))
	for b.Loop() {
		b.StopTimer()
		out := b.TempDir()
		b.StartTimer()
		d, err := OpenDir(out)
		if err != nil {
			b.Fatal(err)
		}
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for _, n := range names {
			g.Go(func() error {
				body := page
				if path.Dir(path.Dir(n)) == "categories" {
					body = feedBody
				}
				_, err := d.WriteFile(n, body)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		d.Close()
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
}
