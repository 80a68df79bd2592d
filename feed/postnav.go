package feed

import (
	"slices"
	"time"
)

// postFile is a post's page as kept by its item, with the items it links
// to as older and newer: a build that puts another post next to it makes
// the page again.
type postFile struct {
	*File
	older, newer *item
}

// of is the page kept, if it was made with these neighbours.
func (pf *postFile) of(older, newer *item) *File {
	if pf == nil || pf.older != older || pf.newer != newer {
		return nil
	}
	return pf.File
}

// neighbours are the items before (older) and after (newer) it in time
// among all the site's posts; nil at either end.
func (s *Site) neighbours(it *item) (older, newer *item) {
	if len(s.channels) == 0 {
		return nil, nil
	}
	all := s.channels[0].items // newest first
	// Its place in the latest build's list, which is this Site's unless
	// a later build moved it.
	i := int(it.at.Load())
	if i >= len(all) || all[i] != it {
		var ok bool
		if i, ok = slices.BinarySearchFunc(all, it, newerFirst); !ok || all[i] != it {
			return nil, nil
		}
	}
	if i+1 < len(all) {
		older = all[i+1]
	}
	if i > 0 {
		newer = all[i-1]
	}
	return older, newer
}

// pageModified is when a post's page last changed: the post's update, or
// a newer neighbour's coming.
func pageModified(it, older, newer *item) time.Time {
	t := it.post.Updated
	for _, n := range []*item{older, newer} {
		if n != nil && n.post.Updated.After(t) {
			t = n.post.Updated
		}
	}
	return t
}
