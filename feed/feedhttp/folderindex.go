package feedhttp

import (
	"maps"
	"strings"
)

// fileIndex is the files of a folder snapshot by name in the folder (the
// state's strings, which it shares: a URL path of each of 110,000 files
// took 3 MB more; get finds a URL path's file by its name): a base map,
// shared by snapshots and never written once shared, under a small
// overlay of this snapshot's changes (nil for a file gone). A publication
// of a few changed files copies the overlay, not the 110,000 entries of a
// large folder; the overlay is folded into a new base once it grows.
type fileIndex struct {
	base, over map[string]*fileEntry
	feeds      []string // names of the feeds, whose entries tell of their Site
	n          int      // files
}

// get returns the entry of the file at URL path p, or nil: the file
// named as publish.URLPath has it (index.html of a folder is at the
// folder's path, and at no path ending in /index.html).
func (ix *fileIndex) get(p string) *fileEntry {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok || strings.HasSuffix(p, "/index.html") {
		return nil
	}
	var buf [256]byte // the name made here, looked up without a string made of it
	name := append(buf[:0], rest...)
	if rest == "" || strings.HasSuffix(rest, "/") {
		name = append(name, "index.html"...)
	}
	if e, ok := ix.over[string(name)]; ok {
		return e
	}
	return ix.base[string(name)]
}

// named returns the entry of the file name, or nil.
func (ix *fileIndex) named(name string) *fileEntry {
	if e, ok := ix.over[name]; ok {
		return e
	}
	return ix.base[name]
}

// maxOver is the size the overlay grows to before it is folded in: a
// publication then costs a copy of the base, which this many small ones
// spread over.
func maxOver(n int) int { return max(1024, n/16) }

// with returns a new index: ix with the entries set by name (nil for a
// file gone).
// ix is left as it was.
func (ix *fileIndex) with(set map[string]*fileEntry) *fileIndex {
	next := &fileIndex{base: ix.base, n: ix.n}
	if len(ix.over)+len(set) > maxOver(ix.n) {
		next.base = make(map[string]*fileEntry, ix.n+len(set))
		for p, e := range ix.base {
			if _, ok := ix.over[p]; !ok {
				next.base[p] = e
			}
		}
		for p, e := range ix.over {
			if e != nil {
				next.base[p] = e
			}
		}
	} else {
		next.over = maps.Clone(ix.over)
	}
	feeds := map[string]bool{}
	for _, p := range ix.feeds {
		feeds[p] = true
	}
	for p, e := range set {
		had := ix.named(p) != nil
		switch {
		case e == nil && had:
			next.n--
		case e != nil && !had:
			next.n++
		}
		if next.over == nil {
			next.over = map[string]*fileEntry{}
		}
		next.over[p] = e
		feeds[p] = e != nil && e.class == classFeed
	}
	for p, ok := range feeds {
		if ok {
			next.feeds = append(next.feeds, p)
		}
	}
	return next
}
