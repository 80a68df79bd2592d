package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A memoryLimit is serve's soft memory limit (GOMEMLIMIT), sized to the
// folder it serves: the collector then runs when the heap nears it, not
// each time the heap grows by a fraction of what is live. A first build
// makes garbage many times the size of what it keeps (every file read and
// parsed, every feed encoded) while what it keeps grows from nothing: paced
// by GOGC alone, the collector either ran dozens of times, scanning the
// posts' metadata each time (half the CPU of the first build at GOGC 25),
// or let the heap reach twice what is live. The limit only rises: to what
// the folder's posts need (forPosts), and above the heap found live
// (forLive), so that it never sits just above what serve holds, where
// the collector would run without pause. nil (GOMEMLIMIT set) changes
// nothing.
type memoryLimit struct {
	mu    sync.Mutex
	limit int64 // set; guarded by mu
	old   int64 // the limit before serve set one
}

// newMemoryLimit returns serve's memory limit, nil when the environment
// sets one; its first limit is for an empty folder.
func newMemoryLimit() *memoryLimit {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	m := &memoryLimit{old: debug.SetMemoryLimit(-1)}
	m.raise(serveMemoryLimit(0))
	return m
}

// serveMemoryLimit is the soft limit for a folder of n posts: what the
// posts' metadata takes (the loader's post, which the state holds too, and
// the builder's item: 1.5 KB a post live after a first build of 100,000
// gen posts, 1.9 KB once the pager has written their pages) and room for
// a build's work on top. Measured at 100,000 posts
// (internal/benchserve/start.sh, load average ~3, the pager and packer at
// a quarter duty): this limit, 246 MiB, gave the first answer in 2.9 s,
// write-to-served p50 283 ms and peak RSS 284 MB (of which ~38 MB the
// binary's own pages); 1.6 KiB a post (236 MiB) 4.1 s, 337 ms and 283 MB;
// the limit of 2 KiB a post (276 MiB) with the live heap of 230 MB of the
// time before, 3.3 s, 268 ms and 347 MB.
func serveMemoryLimit(n int) int64 { return 80<<20 + int64(n)*17<<10/10 }

// forPosts raises the limit to what a folder of n posts needs.
func (m *memoryLimit) forPosts(n int) { m.raise(serveMemoryLimit(n)) }

// forLive raises the limit, where the heap the last collection found live
// comes near it, to an eighth again that heap and 24 MiB: room for a
// rebuild's work (50 MB at 100,000 posts).
func (m *memoryLimit) forLive() {
	if m == nil {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		m.raise(liveLimit(int64(s[0].Value.Uint64())))
	}
}

// liveLimit is the least limit for a live heap of live bytes.
func liveLimit(live int64) int64 { return live*9/8 + 24<<20 }

func (m *memoryLimit) raise(limit int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if limit > m.limit {
		m.limit = limit
		debug.SetMemoryLimit(limit)
	}
}

// byLimit has the collector run only when the heap nears the limit, until
// the returned function puts back the percentage there was: for serve's
// first build, which keeps much of what it makes (its heap grows from
// nothing to 150 MB at 100,000 posts), so that the collections paced by
// growth on the way (at 8, 16, 32... MB) are not made too. nil changes
// nothing.
func (m *memoryLimit) byLimit() func() {
	if m == nil {
		return func() {}
	}
	old := debug.SetGCPercent(-1)
	return func() { debug.SetGCPercent(old) }
}

// restore puts back the limit there was before.
func (m *memoryLimit) restore() {
	if m != nil {
		debug.SetMemoryLimit(m.old)
	}
}
