package feed

import "iter"

// A Memory is what a publisher keeps of earlier builds (publish.State),
// for what the posts alone no longer give.
type Memory interface {
	// Content returns the content (sanitised, with absolute links: as
	// feeds carry it) kept of the post at path in the version named
	// version (KeptPost.Version), and whether it has it. A build asks
	// only for posts it cannot read again (their files broken since an
	// earlier build): a post published stays whole while its problem is
	// reported. Safe for concurrent use.
	Content(path, version string) (string, bool)
	// Removed returns the posts removed from the feeds (deleted, or
	// marked draft) that earlier builds found, and those removed since
	// the last build, with their last metadata: their tombstones
	// (tombstone.go) are made from it.
	Removed() []Removal
}

// contentVersion names what an item's content is made from beyond the
// configuration: its file's bytes and its page's slug (relative links
// resolve against the page).
func contentVersion(it *item) string { return it.post.Sum + "/" + it.slug }

// remembered is the content Memory kept of it, if any.
func (c *renderer) remembered(it *item) (string, bool) {
	if c.Memory == nil {
		return "", false
	}
	return c.Memory.Content(it.post.Path, contentVersion(it))
}

// A KeptPost is a post among the newest of some feed, whose content a
// publisher keeps (Memory) so that the feed stays whole if its file
// breaks.
type KeptPost struct {
	Path    string
	Version string // of its content (Memory.Content)
	it      *item
	r       *renderer
}

// KeptPosts yields each post among the newest Limit of some feed once.
func (s *Site) KeptPosts() iter.Seq[KeptPost] {
	return func(yield func(KeptPost) bool) {
		seen := make(map[*item]bool)
		for _, ch := range s.channels {
			for _, it := range ch.items[:min(s.r.Limit, len(ch.items))] {
				if seen[it] {
					continue
				}
				seen[it] = true
				if !yield(KeptPost{Path: it.post.Path, Version: contentVersion(it), it: it, r: s.r}) {
					return
				}
			}
		}
	}
}

// Prepared reports whether the Site made the content of some post: a
// lean Site does only for the feeds it makes, so a publisher that made
// none has no new content to keep.
func (s *Site) Prepared() bool {
	if s.encs == nil {
		return true
	}
	s.encs.mu.Lock()
	defer s.encs.mu.Unlock()
	return len(s.encs.prepped) > 0
}

// Packed returns the post's content compressed (Unpack reads it), made now
// unless the Site made it already, and false when the post's content
// cannot be had: its file no longer reads and nothing was kept of it.
func (k KeptPost) Packed() ([]byte, bool) {
	pr := k.it.prep.Load()
	if pr != nil && pr.packed != nil && !pr.lost {
		return pr.packed, true
	}
	if pr == nil {
		pr = k.r.prepare(k.it, false)
	}
	if pr.lost {
		return nil, false
	}
	return pack(pr.content), true
}
