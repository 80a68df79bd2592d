package feedhttp

import (
	"maps"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"feedpub/feed"
	"feedpub/internal/compress"
)

// packed holds the compressed bodies of a Site's files by ETag (the
// bytes' hash), so that a file whose bytes a later Site has again is not
// compressed again. Its maps never change once made.
type packed struct {
	gz map[string][]byte // gzip of every file
	br map[string][]byte // brotli of the files it makes smaller
}

// keep returns what of pk the files s holds can use, and the files that
// have no compressed bodies in it yet.
func (pk packed) keep(s *feed.Site) (kept packed, todo []*feed.File) {
	kept = packed{gz: map[string][]byte{}, br: map[string][]byte{}}
	seen := map[string]bool{}
	for _, f := range s.Made() {
		gz, ok := pk.gz[f.ETag]
		if !ok {
			if !seen[f.ETag] {
				seen[f.ETag] = true
				todo = append(todo, f)
			}
			continue
		}
		kept.gz[f.ETag] = gz
		if br := pk.br[f.ETag]; br != nil {
			kept.br[f.ETag] = br
		}
	}
	return kept, todo
}

// add returns pk with the compressed bodies of files added, made on all
// cores: gzip for each, brotli for those of compress.BrotliMin bytes or more where
// it is smaller than the body.
func (pk packed) add(files []*feed.File) packed {
	gz := make([][]byte, len(files))
	br := make([][]byte, len(files))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, f := range files {
		g.Go(func() error { gz[i] = compress.Gzip(f.Body); return nil })
		g.Go(func() error { br[i] = compress.Brotli(f.Body); return nil })
	}
	g.Wait()
	out := packed{gz: maps.Clone(pk.gz), br: maps.Clone(pk.br)}
	for i, f := range files {
		out.gz[f.ETag] = gz[i]
		if br[i] != nil {
			out.br[f.ETag] = br[i]
		}
	}
	return out
}

// maxPageGzips is how many gzipped pages of posts a snapshot keeps.
const maxPageGzips = 256

// pageGzips keeps the gzip of the pages of posts asked for with gzip, by
// ETag, at most maxPageGzips of them (all are dropped when it is full:
// simple, and a new Site starts a new one anyway).
type pageGzips struct {
	mu sync.Mutex
	m  map[string][]byte // guarded by mu
}

// gzip returns the gzip of f, made now unless kept.
func (c *pageGzips) gzip(f *feed.File) []byte {
	c.mu.Lock()
	gz := c.m[f.ETag]
	c.mu.Unlock()
	if gz != nil {
		return gz
	}
	gz = compress.Gzip(f.Body)
	c.mu.Lock()
	if len(c.m) >= maxPageGzips {
		clear(c.m)
	}
	c.m[f.ETag] = gz
	c.mu.Unlock()
	return gz
}
