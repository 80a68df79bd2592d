package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"feedpub/feed"
)

// keep brings the content kept in t up to the site s: the content of
// every post in its feeds, in the version they show, and nothing else
// for long. A site that made no feed has no new content: then, unless a
// file of it was refused, it reads nothing.
func (b *bodyStore) keep(s *feed.Site, t Target) error {
	defer b.forget()
	b.mu.Lock()
	refused := len(b.refused) > 0 || (b.idx != nil && b.idx.fresh)
	b.mu.Unlock()
	if !s.Prepared() && !refused {
		return nil
	}
	b.mu.Lock()
	idx := b.index(t)
	b.mu.Unlock()

	var live, add []feed.KeptPost
	kept := 0 // bytes of the records kept where they are
	for k := range s.KeptPosts() {
		live = append(live, k)
		if e, ok := idx.entries[k.Path]; ok && e.version == k.Version && !b.isRefused(e.seg) {
			kept += e.n
			continue
		}
		add = append(add, k)
	}
	total := 0
	for n, size := range idx.segs {
		if !b.isRefused(n) {
			total += size
		}
	}
	// Most of what the segments hold in no feed, or too many of them: all
	// into one.
	compact := len(idx.segs) >= maxSegments || total-kept > kept && total-kept > 64<<10
	if compact {
		add = live
	}
	next := &bodyIndex{next: idx.next, segs: map[uint64]int{}, entries: make(map[string]bodyEntry, len(live))}
	for _, k := range live {
		if e := idx.entries[k.Path]; e.version == k.Version && !compact && !b.isRefused(e.seg) {
			next.entries[k.Path] = e
			next.segs[e.seg] = idx.segs[e.seg]
		}
	}
	if len(add) == 0 && len(next.entries) == len(idx.entries) && !idx.fresh {
		return nil // the same entries: the same index
	}
	b.sweep(t, idx)
	if err := b.writeSegment(t, next, add); err != nil {
		return err
	}
	if _, err := t.WriteFile(bodiesIndex, next.encode(b.fp)); err != nil {
		return fmt.Errorf("publish: keeping the content of posts: %w", err)
	}
	for n := range idx.segs {
		if _, ok := next.segs[n]; !ok {
			t.Remove(segmentName(n))
		}
	}
	b.mu.Lock()
	b.idx = next
	b.mu.Unlock()
	return nil
}

// forget drops the segments read (and refused): read again when needed,
// a process that lasts (serve) holds none between builds.
func (b *bodyStore) forget() {
	b.mu.Lock()
	b.segs, b.refused = nil, nil
	b.mu.Unlock()
}

func (b *bodyStore) isRefused(n uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refused[n]
}

// writeSegment writes the content of posts add as a new segment of next,
// and points next's entries at it. A record is copied from the segment
// that holds it where it can be, and made (KeptPost.Packed) otherwise;
// the content of a post that cannot be had is left out.
func (b *bodyStore) writeSegment(t Target, next *bodyIndex, add []feed.KeptPost) error {
	if len(add) == 0 {
		return nil
	}
	e := newSealed(segmentMagic, 4096*len(add))
	head := len(e.b)
	for _, k := range add {
		at := len(e.b)
		if b.appendRecord(t, e, k) {
			next.entries[k.Path] = bodyEntry{version: k.Version, seg: next.next, off: at - head, n: len(e.b) - at}
		}
	}
	if len(e.b) == head {
		return nil
	}
	raw := e.seal(segmentMagic, bodiesFormat)
	if _, err := t.WriteFile(segmentName(next.next), raw); err != nil {
		return fmt.Errorf("publish: keeping the content of posts: %w", err)
	}
	next.segs[next.next] = len(raw) - head
	next.next++
	return nil
}

// appendRecord appends the record of k's content to e: the one stored,
// or made now. It reports whether it appended one.
func (b *bodyStore) appendRecord(t Target, e *stateEncoder, k feed.KeptPost) bool {
	b.mu.Lock()
	if en, ok := b.idx.entries[k.Path]; ok && en.version == k.Version {
		if recs := b.segment(t, en.seg); recs != nil && en.off+en.n <= len(recs) {
			b.mu.Unlock()
			e.b = append(e.b, recs[en.off:en.off+en.n]...)
			return true
		}
	}
	b.mu.Unlock()
	packed, ok := k.Packed()
	if !ok {
		return false
	}
	e.str(k.Path)
	e.str(k.Version)
	e.uint(uint64(len(packed))) // e.str's form, without a string made of packed
	e.b = append(e.b, packed...)
	return true
}

// sweep removes the segments that idx does not name: those of a run
// killed before it wrote its index, or of a store refused.
func (b *bodyStore) sweep(t Target, idx *bodyIndex) {
	entries, err := os.ReadDir(filepath.Join(b.dir, filepath.FromSlash(stateDir)))
	if err != nil {
		return
	}
	prefix := path.Base(bodiesIndex) + "."
	for _, d := range entries {
		num, ok := strings.CutPrefix(d.Name(), prefix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if _, named := idx.segs[n]; err == nil && !named {
			if err := t.Remove(stateDir + d.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				b.log.Warn("kept content: "+err.Error(), "state", stateDir+d.Name())
			}
		}
	}
}
