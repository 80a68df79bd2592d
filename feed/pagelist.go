package feed

import (
	"slices"
	"strings"
)

// A pageList is the pages of a Site's posts in the order of their paths:
// the paths Site.Paths lists and, beside each, its item. A Builder keeps
// it from build to build, taking out the items that went and merging in
// the new ones: no sort of every path.
type pageList struct {
	paths []string // sorted
	items []*item  // items[i] is the item of the page at paths[i]
}

// pagesOf is the pageList of items.
func pagesOf(items []*item) pageList {
	type page struct {
		path string
		it   *item
	}
	pages := make([]page, len(items))
	for i, it := range items {
		pages[i] = page{postPath(it), it}
	}
	byPath := func(a, b page) int { return strings.Compare(a.path, b.path) }
	if !slices.IsSortedFunc(pages, byPath) {
		slices.SortFunc(pages, byPath)
	}
	l := pageList{paths: make([]string, len(pages)), items: make([]*item, len(pages))}
	for i, pg := range pages {
		l.paths[i], l.items[i] = pg.path, pg.it
	}
	return l
}

// find is the place of the page at path p, or -1.
func (l pageList) find(p string) int {
	if i, ok := slices.BinarySearchFunc(l.paths, p, strings.Compare); ok {
		return i
	}
	return -1
}

// without is l less the pages of the items of drop, as a new list; l
// itself when it has none of them.
func (l pageList) without(drop []*item) pageList {
	var at []int
	for _, it := range drop {
		if i := l.find(postPath(it)); i >= 0 && l.items[i] == it {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return l
	}
	slices.Sort(at)
	out := pageList{paths: make([]string, 0, len(l.paths)-len(at)), items: make([]*item, 0, len(l.paths)-len(at))}
	prev := 0
	for _, i := range at {
		out.paths, out.items = append(out.paths, l.paths[prev:i]...), append(out.items, l.items[prev:i]...)
		prev = i + 1
	}
	out.paths, out.items = append(out.paths, l.paths[prev:]...), append(out.items, l.items[prev:]...)
	return out
}

// merge is l and m (no page in both) as one new list; l itself when m is
// empty.
func (l pageList) merge(m pageList) pageList {
	if len(m.paths) == 0 {
		return l
	}
	n := len(l.paths) + len(m.paths)
	out := pageList{paths: make([]string, 0, n), items: make([]*item, 0, n)}
	i, j := 0, 0
	for i < len(l.paths) && j < len(m.paths) {
		if m.paths[j] < l.paths[i] {
			out.paths, out.items = append(out.paths, m.paths[j]), append(out.items, m.items[j])
			j++
		} else {
			out.paths, out.items = append(out.paths, l.paths[i]), append(out.items, l.items[i])
			i++
		}
	}
	out.paths, out.items = append(out.paths, l.paths[i:]...), append(out.items, l.items[i:]...)
	out.paths, out.items = append(out.paths, m.paths[j:]...), append(out.items, m.items[j:]...)
	return out
}

// KeysInto sets keys[i] to the key of the file at paths[i], as Key gives
// it. For paths in order (as Paths gives them) a post's page is found by
// a walk beside the list of pages, not a search each.
func (s *Site) KeysInto(keys, paths []string) {
	pages := s.pages.paths
	j := 0 // in pages: none before j is at or after the paths still to come
	for i, p := range paths {
		if i == 0 || p < paths[i-1] {
			j, _ = slices.BinarySearchFunc(pages, p, strings.Compare)
		}
		for j < len(pages) && pages[j] < p {
			j++
		}
		if _, made := s.paths[p]; !made && j < len(pages) && pages[j] == p {
			keys[i] = s.postKey(s.pages.items[j])
		} else {
			keys[i] = s.Key(p)
		}
	}
}
