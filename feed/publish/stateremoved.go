package publish

import (
	"slices"
	"time"

	"feedpub/feed"
	"feedpub/loader"
)

// A RemovedRecord is what the state keeps of a post removed from the
// feeds (its file deleted, or marked draft), for its tombstones (see
// feed.Removal): kept while they last (feed.Config.Tombstones).
type RemovedRecord struct {
	When  time.Time    // when a build first saw it gone
	Ref   string       // its entry's id, once a build found it
	Feeds []string     // the folders of the feeds that held it, with Ref
	Post  *loader.Post // its last metadata (slim), until a build found Ref
}

// noteRemoval notes, as of now, whether the post at path (rec, in the
// state before this scan, if had) left the feeds (gone: its file went or
// is a draft) or is back in them; st.mu is held.
func (st *State) noteRemoval(path string, rec PostRecord, had, gone bool, now time.Time) {
	_, was := st.data.Removed[path]
	switch {
	case !gone && was: // back
		delete(st.data.Removed, path)
		st.delta.gone(path)
		st.dirty = true
	case gone && !was && had && rec.Post.Showing(now):
		st.data.Removed[path] = RemovedRecord{When: now, Post: slim(rec.Post, path)}
		st.delta.gone(path)
		st.dirty = true
	}
}

// Removed is feed.Memory.Removed: the posts removed from the feeds.
func (st *State) Removed() []feed.Removal {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]feed.Removal, 0, len(st.data.Removed))
	for path, r := range st.data.Removed {
		rm := feed.Removal{Path: path, When: r.When, Ref: r.Ref, Feeds: r.Feeds}
		if r.Post != nil {
			rm.Post = slim(r.Post, path)
		}
		out = append(out, rm)
	}
	return out
}

// keepRemovals keeps of the removed posts what the site's build found
// (feed.Site.Removals): their entries' ids and feeds; the others' tombstones
// have expired. A site built without the state as its Memory found none:
// the removals stay as they are.
func (st *State) keepRemovals(s *feed.Site) {
	found, ok := s.Removals()
	if !ok {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	next := make(map[string]RemovedRecord, len(found))
	for _, r := range found {
		next[r.Path] = RemovedRecord{When: r.When, Ref: r.Ref, Feeds: r.Feeds}
	}
	for path, n := range next {
		if r, ok := st.data.Removed[path]; !ok || r.Post != nil || n.Ref != r.Ref || !slices.Equal(n.Feeds, r.Feeds) || !n.When.Equal(r.When) {
			st.delta.gone(path)
			st.dirty = true
		}
	}
	for path := range st.data.Removed {
		if _, ok := next[path]; !ok {
			st.delta.gone(path)
			st.dirty = true
		}
	}
	st.data.Removed = next
}
