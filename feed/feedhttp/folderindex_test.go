package feedhttp

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"feedpub/feed/publish"
)

// all is every entry of ix by path.
func (ix *fileIndex) all() map[string]*fileEntry {
	out := map[string]*fileEntry{}
	for p, e := range ix.base {
		out[p] = e
	}
	for p, e := range ix.over {
		if e == nil {
			delete(out, p)
		} else {
			out[p] = e
		}
	}
	return out
}

// describe is each entry of files as "path sum time class", sorted.
func describe(files map[string]*fileEntry) []string {
	var out []string
	for p, e := range files {
		out = append(out, fmt.Sprintf("%s %s %d %d", p, e.sum, e.modTime().Unix(), e.class))
	}
	slices.Sort(out)
	return out
}

// Publications of changes alone (Update) serve what a publication of
// every file does, through enough rounds that the overlay is folded into
// the base; a snapshot once published never changes, and entries of
// unchanged files are kept.
func TestPublishFolderUpdate(t *testing.T) {
	fo, err := OpenFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer fo.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	files := map[string]publish.Published{}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	name := func(i int) string {
		switch i % 3 {
		case 0:
			return fmt.Sprintf("c%d/rss.xml", i)
		case 1:
			return fmt.Sprintf("posts/p%d/index.html", i)
		}
		return fmt.Sprintf("p%d.html", i)
	}
	put := func(i, round int) publish.Published {
		n := name(i)
		f := publish.Published{Name: n, Path: publish.URLPath(n), Sum: fmt.Sprintf("%032d", round), Changed: at.Add(time.Duration(round) * time.Second)}
		files[n] = f
		return f
	}
	for i := range 3000 {
		put(i, 0)
	}
	h := &Handler{}
	h.PublishFolder(Publication{Folder: fo, Files: slices.Collect(maps.Values(files))})
	for round := 1; round <= 12; round++ {
		before := h.dir.Load()
		was := describe(before.files.all())
		touched := map[string]bool{}
		for range 400 {
			i := rng.IntN(3500)
			touched[name(i)] = true
			if _, ok := files[name(i)]; ok && rng.IntN(4) == 0 {
				delete(files, name(i))
			} else {
				put(i, round)
			}
		}
		var changed []publish.Published
		var gone []string
		for n := range touched {
			if f, ok := files[n]; ok {
				changed = append(changed, f)
			} else {
				gone = append(gone, n)
			}
		}
		h.PublishFolder(Publication{Folder: fo, Files: changed, Gone: gone, Update: true})
		full := &Handler{}
		full.PublishFolder(Publication{Folder: fo, Files: slices.Collect(maps.Values(files))})
		got, want := describe(h.dir.Load().files.all()), describe(full.dir.Load().files.all())
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: %d entries after the update, %d by a whole publication", round, len(got), len(want))
		}
		if n := h.dir.Load().files.n; n != len(files) {
			t.Errorf("round %d: the index counts %d files, there are %d", round, n, len(files))
		}
		if !slices.Equal(describe(before.files.all()), was) {
			t.Fatalf("round %d: the snapshot before the update changed", round)
		}
		var feeds []string
		for p, e := range h.dir.Load().files.all() {
			if e.class == classFeed {
				feeds = append(feeds, p)
			}
		}
		slices.Sort(feeds)
		if got := slices.Sorted(slices.Values(h.dir.Load().files.feeds)); !slices.Equal(got, feeds) {
			t.Errorf("round %d: the index lists %d feeds, it holds %d", round, len(got), len(feeds))
		}
		for _, f := range files {
			if e := before.files.get(f.Path); e != nil && e.sum == f.Sum && h.dir.Load().files.get(f.Path) != e {
				t.Fatalf("round %d: %s unchanged, its entry made again", round, f.Path)
			}
		}
	}
}
