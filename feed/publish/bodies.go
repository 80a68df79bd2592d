package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"

	"feedpub/feed"
)

// The content kept: beside build's state, the content of the posts in
// feeds (feed.Site.KeptPosts), as feeds carry it, compressed, so that a
// feed made again while one of its posts no longer reads still carries
// that post whole (feed.Memory). It is bounded by the feeds, not by the
// folder, and read only when a post in a feed is broken: a build that
// reads every post is not made to decode it.
//
// It is written in segments, each a sealed file (seal) of records (path,
// version, content) written once: a build adds one for the content new
// to its feeds, and an index (bodiesIndex, sealed too) says where each
// post's content is. Both are written atomically, the segment first: a
// run killed at any point leaves the last index and the segments it
// names. When most of what the segments hold is no longer in any feed,
// the live records are copied into one new segment and the others
// removed. A torn or edited file is refused, with a log line, and what it
// held is kept anew by the next build that makes a feed.

const (
	bodiesIndex  = stateDir + "bodies"
	bodiesMagic  = "feedpub-bodies\n"
	segmentMagic = "feedpub-bodies-segment\n"
	bodiesFormat = 2 // 2: content packed as S2 (feed.Unpack), not raw DEFLATE
	// maxSegments is how many segments may be written before they are
	// copied into one.
	maxSegments = 32
)

func segmentName(n uint64) string { return bodiesIndex + "." + strconv.FormatUint(n, 10) }

// bodyStore is the content kept in a folder. Its methods are safe for
// concurrent use.
type bodyStore struct {
	dir string // the output folder
	fp  string // the state's fingerprint: what the content is made with
	log *slog.Logger

	mu      sync.Mutex
	idx     *bodyIndex        // read (or found missing) when first needed; guarded by mu
	segs    map[uint64][]byte // the records of segments read; guarded by mu
	refused map[uint64]bool   // segments refused; guarded by mu
}

// bodyIndex says where each post's content is.
type bodyIndex struct {
	next    uint64               // the number of the next segment
	segs    map[uint64]int       // the segments it names, and their sizes
	entries map[string]bodyEntry // by post path
	fresh   bool                 // not read: there was none, or it was refused
}

type bodyEntry struct {
	version string
	seg     uint64
	off, n  int // the record, in the segment's records
}

// content is feed.Memory.Content.
func (b *bodyStore) content(path, version string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	idx := b.index(nil)
	e, ok := idx.entries[path]
	if !ok || e.version != version {
		return "", false
	}
	recs := b.segment(nil, e.seg)
	if recs == nil || e.off+e.n > len(recs) {
		return "", false
	}
	d := newStateDecoder(recs[e.off : e.off+e.n])
	p, v, packed := d.str(), d.str(), d.str()
	if d.err != nil || p != path || v != version {
		return "", false
	}
	s, err := feed.Unpack([]byte(packed))
	return s, err == nil
}

// reader is what the store reads with: t, or when nil a Root of its
// folder opened for the call.
func (b *bodyStore) read(t Target, name string) ([]byte, error) {
	if t != nil {
		return t.ReadFile(name)
	}
	root, err := os.OpenRoot(b.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(name)
}

// index is the index, read when first needed; b.mu is held.
func (b *bodyStore) index(t Target) *bodyIndex {
	if b.idx != nil {
		return b.idx
	}
	b.idx = &bodyIndex{segs: map[uint64]int{}, entries: map[string]bodyEntry{}, fresh: true}
	raw, err := b.read(t, bodiesIndex)
	if err == nil {
		var idx *bodyIndex
		if idx, err = decodeIndex(raw, b.fp); err == nil {
			b.idx = idx
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errForeign) {
		b.log.Warn("kept content "+bodiesIndex+" refused: "+err.Error()+"; keeping it anew", "state", bodiesIndex)
	}
	return b.idx
}

// segment is the records of segment n, or nil if it is refused; b.mu is
// held.
func (b *bodyStore) segment(t Target, n uint64) []byte {
	if recs, ok := b.segs[n]; ok || b.refused[n] {
		return recs
	}
	raw, err := b.read(t, segmentName(n))
	var recs []byte
	if err == nil {
		recs, err = unseal(raw, segmentMagic, bodiesFormat, "a segment of kept content")
	}
	if err != nil {
		b.log.Warn("kept content "+segmentName(n)+" refused: "+err.Error()+"; keeping it anew", "state", segmentName(n))
		if b.refused == nil {
			b.refused = map[uint64]bool{}
		}
		b.refused[n] = true
		return nil
	}
	if b.segs == nil {
		b.segs = map[uint64][]byte{}
	}
	b.segs[n] = recs
	return recs
}

var errForeign = errors.New("made by another feedpub, configuration or templates")

func decodeIndex(raw []byte, fp string) (*bodyIndex, error) {
	body, err := unseal(raw, bodiesMagic, bodiesFormat, "an index of kept content")
	if err != nil {
		return nil, err
	}
	d := newStateDecoder(body)
	if d.str() != fp {
		return nil, errForeign
	}
	idx := &bodyIndex{next: d.uint(), segs: map[uint64]int{}, entries: map[string]bodyEntry{}}
	for range d.count() {
		n := d.uint()
		idx.segs[n] = int(d.uint())
	}
	for range d.count() {
		path := d.str()
		idx.entries[path] = bodyEntry{version: d.str(), seg: d.uint(), off: int(d.uint()), n: int(d.uint())}
	}
	if d.err == nil && d.at != len(d.b) {
		d.err = errors.New("bytes after the records")
	}
	if d.err != nil {
		return nil, fmt.Errorf("undecodable: %w", d.err)
	}
	return idx, nil
}

func (idx *bodyIndex) encode(fp string) []byte {
	e := newSealed(bodiesMagic, 64*len(idx.entries))
	e.str(fp)
	e.uint(idx.next)
	segs := make([]uint64, 0, len(idx.segs))
	for n := range idx.segs {
		segs = append(segs, n)
	}
	slices.Sort(segs)
	e.uint(uint64(len(segs)))
	for _, n := range segs {
		e.uint(n)
		e.uint(uint64(idx.segs[n]))
	}
	e.uint(uint64(len(idx.entries)))
	for _, path := range sortedKeys(idx.entries) {
		en := idx.entries[path]
		e.str(path)
		e.str(en.version)
		e.uint(en.seg)
		e.uint(uint64(en.off))
		e.uint(uint64(en.n))
	}
	return e.seal(bodiesMagic, bodiesFormat)
}
