package feed

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// channels groups items into the all-posts feed and one feed per term of
// each taxonomy published, in a fixed order: all posts first, then the
// taxonomies in the order of taxonomyList, each by slug. A term that no
// fresh or gone item belongs to keeps its channel from the last build: its
// items and their order are the same.
func (b *Builder) channels(items, fresh, gone []*item) []*channel {
	all := &channel{title: b.r.Title, description: b.r.Description, items: items, tax: -1}
	all.updated = newest(items, b.r.Limit)
	if b.byNum == nil {
		b.byNum = b.group(items)
	} else if len(fresh) > 0 || len(gone) > 0 {
		b.byNum = b.regroup(fresh, gone)
	}
	out := []*channel{all}
	for _, ch := range b.byNum {
		if ch != nil {
			out = append(out, ch)
		}
	}
	sort.Slice(out[1:], func(i, j int) bool {
		a, c := out[1+i], out[1+j]
		if a.tax != c.tax {
			return a.tax < c.tax
		}
		return a.slug < c.slug
	})
	return out
}

// termNumsOf gives each term a number that lasts from build to build, and
// each item the numbers of its terms: grouping then needs no map look-up
// per item. They are taken from slab while it has room (one allocation
// for the items of a first build, not one each).
func (b *Builder) termNumsOf(it *item, slab *[]int) []int {
	if it.termNums == nil && len(it.terms) > 0 {
		if n, s := len(it.terms), *slab; cap(s)-len(s) >= n {
			it.termNums, *slab = s[len(s):len(s)+n:len(s)+n], s[:len(s)+n]
		} else {
			it.termNums = make([]int, n)
		}
		for k, t := range it.terms {
			n, ok := b.termNums[t.id()]
			if !ok {
				n = len(b.termNums)
				b.termNums[t.id()] = n
			}
			it.termNums[k] = n
		}
	}
	return it.termNums
}

// newChannel is the channel of term t, without its items.
func newChannel(t term) *channel {
	return &channel{slug: t.slug, tax: t.tax, dir: t.dir()}
}

// group makes every term's channel from items, newest first.
func (b *Builder) group(items []*item) []*channel {
	var byNum []*channel
	size := 0
	for _, it := range items {
		size += len(it.terms)
	}
	slab := make([]int, 0, size)
	for _, it := range items {
		for k, n := range b.termNumsOf(it, &slab) {
			if n >= len(byNum) {
				byNum = append(byNum, make([]*channel, n+1-len(byNum))...)
			}
			ch := byNum[n]
			if ch == nil {
				ch = newChannel(it.terms[k])
				ch.name = it.terms[k].name
				byNum[n] = ch
			}
			if name := it.terms[k].name; name < ch.name {
				ch.name = name
			}
			if m := len(ch.items); m == 0 || ch.items[m-1] != it {
				ch.items = append(ch.items, it)
			}
		}
	}
	for _, ch := range byNum {
		if ch != nil {
			b.finishNamed(ch)
		}
	}
	return byNum
}

// regroup makes anew the channels of the terms of fresh and gone items,
// from the last build's: the gone items out, the fresh ones merged in. The
// others are kept as they are (a Site never changes them).
func (b *Builder) regroup(fresh, gone []*item) []*channel {
	touched := map[int]bool{}
	for _, it := range gone {
		for _, n := range b.termNumsOf(it, new([]int)) {
			touched[n] = true
		}
	}
	for _, it := range fresh {
		for _, n := range b.termNumsOf(it, new([]int)) {
			touched[n] = true
		}
	}
	byNum := slices.Clone(b.byNum)
	for n := range touched {
		if n >= len(byNum) {
			byNum = append(byNum, make([]*channel, n+1-len(byNum))...)
		}
		var list []*item
		var ch *channel
		if old := byNum[n]; old != nil {
			ch = &channel{slug: old.slug, tax: old.tax, dir: old.dir}
			list = make([]*item, 0, len(old.items)+len(fresh))
			for _, it := range old.items {
				if !it.gone {
					list = append(list, it)
				}
			}
		}
		var add []*item // fresh is sorted, so add is
		for _, it := range fresh {
			if k := slices.Index(it.termNums, n); k >= 0 {
				add = append(add, it)
				if ch == nil {
					ch = newChannel(it.terms[k])
				}
			}
		}
		list = mergeSorted(list, add)
		if len(list) == 0 {
			byNum[n] = nil
			continue
		}
		ch.items = list
		b.finish(ch, n)
		byNum[n] = ch
	}
	return byNum
}

// finish names channel number n after the smallest of the names its items
// give its term, and dates it.
func (b *Builder) finish(ch *channel, n int) {
	ch.name = ""
	for _, it := range ch.items {
		for k, m := range it.termNums {
			if m == n && (ch.name == "" || it.terms[k].name < ch.name) {
				ch.name = it.terms[k].name
			}
		}
	}
	b.finishNamed(ch)
}

// finishNamed titles and dates ch, named already.
func (b *Builder) finishNamed(ch *channel) {
	mark := taxonomyList[ch.tax].mark
	ch.title = b.r.Title + " · " + mark + ch.name
	ch.description = fmt.Sprintf("%s: %s%s", b.r.Description, mark, ch.name)
	ch.updated = newest(ch.items, b.r.Limit)
}

// newest is the latest update among the first n items: a feed's updated
// date, never the build time.
func newest(items []*item, n int) time.Time {
	var t time.Time
	for _, it := range items[:min(n, len(items))] {
		if it.post.Updated.After(t) {
			t = it.post.Updated
		}
	}
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t
}

// newerFirst orders items by date, newest first, then by path.
func newerFirst(a, b *item) int {
	if c := b.post.Date.Compare(a.post.Date); c != 0 {
		return c
	}
	return strings.Compare(a.post.Path, b.post.Path)
}

// mergeSorted merges two lists sorted by newerFirst.
func mergeSorted(a, b []*item) []*item { return mergeFunc(a, b, newerFirst) }

// mergeFunc merges two lists sorted by cmp into a new one; a itself
// when b is empty.
func mergeFunc[T any](a, b []T, cmp func(a, b T) int) []T {
	if len(b) == 0 {
		return a
	}
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// without returns list (sorted by cmp, in which no two items compare
// equal) less the items of drop, as a new slice; list itself when drop
// has none of them. Each is found by binary search, so the cost is a copy
// of the list, not a look at each of its items.
func without(list, drop []*item, cmp func(a, b *item) int) []*item {
	var at []int
	for _, it := range drop {
		if i, ok := slices.BinarySearchFunc(list, it, cmp); ok && list[i] == it {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return list
	}
	slices.Sort(at)
	out := make([]*item, 0, len(list)-len(at))
	prev := 0
	for _, i := range at {
		out = append(out, list[prev:i]...)
		prev = i + 1
	}
	return append(out, list[prev:]...)
}
