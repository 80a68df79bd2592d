package feed

import (
	"math/bits"
	"sync"
)

// A writer that writes each file once (publish.Write to a folder) takes
// the bodies of a lean Site's files one by one: a page per post, three
// feeds and a page per feed. Made in new memory each, they are mostly
// garbage as soon as written: the collector runs for them and the heap
// grows into pages the kernel has to fault in. Made in the buffers of
// bodies written before (TakeBody, then Body.Release), they take a few
// buffers per writer.

// A Body is the bytes of one file of a Site (TakeBody), and whether they
// were made for the call that took them alone.
type Body struct {
	Bytes []byte
	owned bool // made for this Body alone: nothing else refers to Bytes
}

// Owned reports whether b's bytes were made for the call that took them
// alone, so that Release gives them back: the page of a post that the
// Site does not keep, and a lean Site's feeds and feeds' pages, made when
// asked for. The bytes of a file the Site holds (File.Body: the
// stylesheet, the index, every feed of a Site that is not lean, the kept
// page of a post among a feed's newest) are not the caller's.
func (b Body) Owned() bool { return b.owned }

// Release gives b's bytes back, for bodies taken later to be made in,
// when they were made for b alone (Owned); else it does nothing. Whoever
// got the bytes from the caller must be done with them too: after Release
// nothing may read or keep them, or any slice of them, since a later body
// overwrites them. Release empties b.
func (b *Body) Release() {
	if b.owned {
		bodyPool.put(b.Bytes)
	}
	*b = Body{}
}

// bufs gives the buffers that bodies are made in: new ones, each of about
// the size asked for, or with pooled, ones taken from bodyPool, for a
// caller that gives them back (TakeBody).
type bufs struct{ pooled bool }

// get is an empty buffer of at least n bytes.
func (b bufs) get(n int) []byte {
	if b.pooled {
		return bodyPool.get(n)
	}
	return make([]byte, 0, n)
}

// A sizedPool keeps buffers by size class: class k holds buffers of
// 2^k bytes up to twice that, so that a page of a post never takes a
// feed's buffer, many times its size, and keeps it, nor a feed a page's
// that it must grow at once. A buffer made for a class has its class's largest size
// (2^k, as asked for at most): any later body of the class fits in it.
type sizedPool struct {
	classes [maxBufClass - minBufClass + 1]sync.Pool // *[]byte
}

const (
	// minBufClass is the smallest class: smaller buffers are not kept.
	minBufClass = 12 // 4 KB
	// maxBufClass is the largest class: larger buffers (a feed past 8 MB,
	// kept only under a large byte budget) are neither kept nor made
	// for the pool.
	maxBufClass = 23 // 8 MB up to 16 MB
)

var bodyPool sizedPool

// get is an empty buffer of at least n bytes: a buffer of n's class (the
// smallest whose buffers all hold n bytes), or a new one of its size.
func (p *sizedPool) get(n int) []byte {
	k := max(minBufClass, bits.Len(uint(max(n, 1)-1))) // 2^k >= n
	if k > maxBufClass {
		return make([]byte, 0, n)
	}
	if b, _ := p.classes[k-minBufClass].Get().(*[]byte); b != nil {
		return (*b)[:0]
	}
	return make([]byte, 0, 1<<k)
}

// put keeps b for a later get, in the class of its capacity.
func (p *sizedPool) put(b []byte) {
	k := bits.Len(uint(cap(b))) - 1 // 2^k <= cap(b) < 2^(k+1)
	if k < minBufClass || k > maxBufClass {
		return
	}
	b = b[:0]
	p.classes[k-minBufClass].Put(&b)
}
