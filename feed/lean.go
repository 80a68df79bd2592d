package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/klauspost/compress/s2"

	"feedpub/loader"
)

// A lean Site is one that is written once (publish.WriteDir) and then
// dropped. Its feeds and their pages are made as they are written, and
// only the content of the posts in feeds is kept meanwhile, compressed, so
// the memory it takes does not grow with the feeds' bytes.

// BuildLean is Build for a Site that is written once and then dropped: see
// above. Its File makes each file anew.
func BuildLean(posts []*loader.Post, cfg Config, now time.Time) (*Site, error) {
	b, err := NewBuilder(cfg)
	if err != nil {
		return nil, err
	}
	b.lean = true
	return b.Build(posts, now)
}

// NewLeanBuilder is NewBuilder for Sites that are written (publish.Write)
// rather than held: each of its Sites is lean (see above), and a later
// Build keeps the items of the last, as any Builder's does.
func NewLeanBuilder(cfg Config) (*Builder, error) {
	b, err := NewBuilder(cfg)
	if err != nil {
		return nil, err
	}
	b.lean = true
	return b, nil
}

// BuildLeanContext is BuildLean that stops between two posts once ctx is
// done, with ctx's error.
func BuildLeanContext(ctx context.Context, posts []*loader.Post, cfg Config, now time.Time) (*Site, error) {
	return BuildOnce(ctx, posts, cfg, now, 0)
}

// BuildOnce is BuildLeanContext for a Site that is written once and then
// dropped, by a program that leaves it up to whole bytes of memory: the
// content of the posts in feeds, kept compressed for their feeds (see
// above), is also kept as it is, up to whole bytes of it, so that each
// feed that holds a post takes its content as it is rather than unpacking
// it once more: 41 MB at 10,000 gen posts (5,500 of them in feeds), whose
// feeds then unpack nothing (0.15 s of CPU less in a profile). Past the
// budget, content is kept compressed alone. (A Builder that builds again,
// as serve's, keeps it compressed alone: its items outlive the Site.)
func BuildOnce(ctx context.Context, posts []*loader.Post, cfg Config, now time.Time, whole int64) (*Site, error) {
	b, err := NewBuilder(cfg)
	if err != nil {
		return nil, err
	}
	b.lean, b.ctx = true, ctx
	if whole > 0 {
		b.r.whole = new(atomic.Int64)
		b.r.whole.Store(whole)
	}
	return b.Build(posts, now)
}

// prepareLean lists the feeds and their pages, to be made when asked for.
// The content of the posts in a feed is made when the first of its files
// is (prepChannel): a publisher that leaves the files of unchanged feeds
// alone (publish.State) prepares no post of theirs.
func (b *Builder) prepareLean(site *Site) error {
	if b.ctx != nil && b.ctx.Err() != nil {
		return fmt.Errorf("feed: %w", b.ctx.Err())
	}
	site.encs = &chanEncs{m: map[*channel]*chanEnc{}, prepped: map[*channel]*sync.Once{}}
	site.featured = map[*item]bool{}
	for _, ch := range site.channels {
		for _, it := range ch.items[:min(b.r.Limit, len(ch.items))] {
			site.featured[it] = true
		}
		for f := range formatList {
			site.paths["/"+ch.dir+formatList[f].file] = siteFile{ch: ch, f: f}
		}
	}
	return nil
}

// prepChannel makes the content of the posts among ch's newest, on all
// cores, once per Site, and keeps it compressed for their feeds and pages,
// trading a little time for memory (make bench prints both).
func (s *Site) prepChannel(ch *channel) {
	encs := s.encs
	encs.mu.Lock()
	once := encs.prepped[ch]
	if once == nil {
		once = new(sync.Once)
		encs.prepped[ch] = once
	}
	encs.mu.Unlock()
	once.Do(func() {
		tops := ch.items[:min(s.r.Limit, len(ch.items))]
		onCores(len(tops), func(i int) { s.r.prepareLean(tops[i]) })
	})
}

// prepareLean keeps the item's content compressed, with the rest of what
// prepare makes.
func (c *renderer) prepareLean(it *item) {
	if it.prep.Load() == nil {
		c.prepareKept(it)
	}
}

// prepareKept is the item's prepared content, made (and kept compressed,
// as prepareLean does) unless kept already: a post among a feed's newest
// is read and sanitised once, for its page and its feeds.
func (c *renderer) prepareKept(it *item) *prepared {
	if pr := it.prep.Load(); pr != nil {
		return pr.whole()
	}
	full := c.prepare(it, false)
	if !full.web.made { // made now, so nobody else's yet (a kept one has them)
		full.web = full.makeURLs() // for its feeds
	}
	lean := *full
	if packed := pack(lean.content); packed != nil { // else keep it as it is
		lean.packed, lean.size = packed, len(lean.content)
		if c.whole == nil || c.whole.Add(-int64(lean.size)) < 0 {
			lean.content = ""
		}
	}
	it.prep.Store(&lean)
	return full
}

// whole is pr with its content: pr itself when it holds it (unpacked, or
// kept whole beside packed), else pr unpacked.
func (pr *prepared) whole() *prepared {
	if pr.packed == nil || len(pr.content) == pr.size {
		return pr
	}
	return pr.unpacked()
}

// pack is content compressed, or nil if it cannot be (past 4 GB): a byte
// that says how (packS2), then an S2 block (klauspost's: Snappy's format,
// extended). BenchmarkPackCodecs measured it against DEFLATE at its
// fastest (what pack made before): on gen's posts ten times cheaper to
// make and to read, for a fifth more bytes (18.9% of the content against
// 15.1%: 8.1 MB against 6.4 MB for the 5,300 posts in the feeds of 10,000
// or 100,000); on a real news post (../shared/seeds) three times cheaper
// to make and fifteen to read, 67% of it against 52%.
func pack(content string) []byte {
	n := s2.MaxEncodedLen(len(content))
	if n < 0 {
		return nil
	}
	p, _ := packers.Get().(*packer)
	if p == nil {
		p = new(packer)
	}
	if cap(p.buf) < 1+n {
		p.buf = make([]byte, 1+n)
	}
	p.buf[0] = packS2
	// S2 reads src and never writes it: content's bytes are read in place,
	// not copied first.
	block := s2.Encode(p.buf[1:1+n], unsafe.Slice(unsafe.StringData(content), len(content)))
	packed := bytes.Clone(p.buf[:1+len(block)]) // exactly its size: it may be kept long
	if cap(p.buf) <= maxPackerBuf {
		packers.Put(p)
	}
	return packed
}

// packS2 is the first byte of content packed as an S2 block. (Content
// packed by an older feedpub, as raw DEFLATE, has no such byte: the files
// that kept it (publish's kept content) changed format with the codec, so
// it is never read as S2.)
const packS2 = 0x53

// A packer is what pack reuses: a buffer for an S2 block and its byte.
type packer struct{ buf []byte }

// maxPackerBuf is the largest buffer a packer keeps for the next pack:
// one huge post's does not stay in the pool.
const maxPackerBuf = 1 << 20

var packers sync.Pool // *packer

// unpacked is pr with its content unpacked.
func (pr *prepared) unpacked() *prepared {
	cp := *pr
	cp.packed = nil
	cp.content, _ = unpack(pr.packed, pr.size)
	return &cp
}

// Unpack is the content pack packed (KeptPost.Packed), or an error if
// packed is not what pack makes.
func Unpack(packed []byte) (string, error) { return unpack(packed, 0) }

// unpack is Unpack of content of size bytes (0: not known, or none),
// which it checks.
func unpack(packed []byte, size int) (string, error) {
	if len(packed) == 0 || packed[0] != packS2 {
		return "", errors.New("feed: unpacking content: not packed by this feedpub")
	}
	block := packed[1:]
	n, err := s2.DecodedLen(block)
	if err == nil && size > 0 && n != size {
		err = fmt.Errorf("%d bytes, want %d", n, size)
	}
	if err != nil {
		return "", fmt.Errorf("feed: unpacking content: %w", err)
	}
	if n == 0 {
		return "", nil
	}
	b, err := s2.Decode(make([]byte, n), block)
	if err != nil {
		return "", fmt.Errorf("feed: unpacking content: %w", err)
	}
	// b is the string's alone: made here, and no longer written.
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}

// chanEnc is the feeds of a channel of a lean Site in every format, made
// together; each is dropped once taken, and made anew if asked for again.
type chanEnc struct {
	once   sync.Once
	bodies [nFormats][]byte // set by once; then each taken (and dropped) under chanEncs.mu
	err    error            // set by once
	taken  [nFormats]bool   // formats handed out once; guarded by chanEncs.mu
}

type chanEncs struct {
	mu      sync.Mutex
	m       map[*channel]*chanEnc   // guarded by mu
	prepped map[*channel]*sync.Once // guarded by mu: see prepChannel
}

// leanFeedBody is the feed of ch in format f of a lean Site: made with the
// channel's other formats (in buffers from in, the caller's who makes
// them), which wait for their turn to be written. A format asked for again
// is made again, alone, and not kept: a writer that takes each file once
// keeps no body, and no caller gets an empty feed. So each body returned
// is the caller's alone: the Site drops it as it hands it out.
func (s *Site) leanFeedBody(ch *channel, f int, in bufs) ([]byte, error) {
	encs := s.encs
	encs.mu.Lock()
	e := encs.m[ch]
	if e == nil {
		e = &chanEnc{}
		encs.m[ch] = e
	}
	encs.mu.Unlock()
	e.once.Do(func() { e.bodies, e.err = s.r.encodeLean(ch, allFormats(), in) })
	encs.mu.Lock()
	body, again := e.bodies[f], e.taken[f]
	e.bodies[f], e.taken[f] = nil, true
	encs.mu.Unlock()
	if !again || e.err != nil {
		return body, e.err
	}
	var only [nFormats]bool
	only[f] = true
	bodies, err := s.r.encodeLean(ch, only, in)
	return bodies[f], err
}

// allFormats is every format, for encodeLean.
func allFormats() (all [nFormats]bool) {
	for f := range all {
		all[f] = true
	}
	return all
}

// encodeLean encodes the feeds of ch in the formats wanted, keeping no
// encoding: each item's content is unpacked once for all of them, and its
// encodings are appended straight to the feeds' bodies, between the heads
// and tails of their frames (feedBody's splice, without the parts and the
// copy), in buffers from in. A feed past the byte budget, or without a
// frame, is made by encodeParts.
func (c *renderer) encodeLean(ch *channel, want [nFormats]bool, in bufs) ([nFormats][]byte, error) {
	var out [nFormats][]byte
	var frames [nFormats]*feedFrame
	items := ch.items[:min(c.Limit, len(ch.items))]
	direct, slow := want, [nFormats]bool{}
	for f := range formatList {
		if !want[f] || len(items) == 0 {
			direct[f], slow[f] = false, want[f]
			continue
		}
		fr, err := frameOf(&c.Config, ch, f, c.feedURL(ch, &formatList[f]))
		if err != nil {
			return out, err
		}
		if fr == nil {
			direct[f], slow[f] = false, true
			continue
		}
		frames[f] = fr
		out[f] = append(in.get(len(fr.head)+len(fr.tail)+leanEstimate(items, f)), fr.head...)
	}
	for i, it := range items {
		if direct == [nFormats]bool{} {
			break
		}
		pr := c.prepare(it, false)
		for f := range formatList {
			if !direct[f] {
				continue
			}
			if i > 0 {
				out[f] = append(out[f], frames[f].sep...)
			}
			var err error
			if out[f], err = c.appendItem(out[f], it, f, pr); err != nil {
				return out, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			if len(out[f])+len(frames[f].tail) > c.MaxFeedBytes { // past the budget
				direct[f], slow[f], out[f] = false, true, nil
			}
		}
	}
	for f := range formatList {
		if direct[f] {
			out[f] = append(out[f], frames[f].tail...)
		}
	}
	if slow == [nFormats]bool{} {
		return out, nil
	}
	parted, err := c.encodeParts(ch, slow)
	for f := range formatList {
		if slow[f] {
			out[f] = parted[f]
		}
	}
	return out, err
}

// leanEstimate is about the size of the items' encodings in format f,
// from their prepared content, a little more than most: markup escaped
// (Atom) takes about an eighth more than in CDATA or JSON.
func leanEstimate(items []*item, f int) int {
	n := 0
	for _, it := range items {
		size := 4 << 10
		if pr := it.prep.Load(); pr != nil {
			size = max(pr.size, len(pr.content))
			if f == formatAtom {
				size += size / 8
			}
			size += 2*len(pr.summary) + 1024
		}
		n += size
	}
	return n
}

// encodeParts is encodeLean through feedBody: each item encoded apart,
// then the feed made of them within the byte budget.
func (c *renderer) encodeParts(ch *channel, want [nFormats]bool) ([nFormats][]byte, error) {
	var out [nFormats][]byte
	items := ch.items[:min(c.Limit, len(ch.items))]
	parts := make([][nFormats][]byte, len(items))
	for i, it := range items {
		pr := c.prepare(it, false)
		for f := range formatList {
			if !want[f] {
				continue
			}
			enc, err := c.encodeItem(it, f, pr)
			if err != nil {
				return out, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			parts[i][f] = enc
		}
	}
	for f := range formatList {
		if !want[f] {
			continue
		}
		fp := make([][]byte, len(items))
		for i := range parts {
			fp[i] = parts[i][f]
		}
		body, _, err := c.feedBody(ch, f, c.feedURL(ch, &formatList[f]), items, fp)
		if err != nil {
			return out, err
		}
		out[f] = body
	}
	return out, nil
}
