package feed

import (
	"bytes"
	"testing"
	"unsafe"

	"feedpub/internal/gen"
)

// A buffer from the pool is empty and holds what was asked for, whatever
// was put before it: buffers of every size around the classes' bounds.
func TestSizedPool(t *testing.T) {
	sizes := []int{0, 1, 100, 4<<10 - 1, 4 << 10, 4<<10 + 1, 11 << 10, 16<<10 - 1, 16 << 10, 16<<10 + 1,
		460 << 10, 512 << 10, 8<<20 - 1, 8 << 20, 8<<20 + 1, 16<<20 - 1, 16 << 20, 16<<20 + 1}
	var p sizedPool
	for round := range 3 {
		for _, n := range sizes {
			b := p.get(n)
			if len(b) != 0 || cap(b) < n {
				t.Fatalf("round %d: get(%d): len %d, cap %d", round, n, len(b), cap(b))
			}
			b = append(b, bytes.Repeat([]byte{'x'}, min(n, 64))...)
			p.put(b)
		}
		for _, n := range sizes { // buffers of every capacity, not only the classes'
			p.put(make([]byte, min(n, 7), n))
		}
	}
}

// overlaps reports whether the memory of a's and b's buffers (to their
// capacities) overlaps.
func overlaps(a, b []byte) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(cap(b)) && b0 < a0+uintptr(cap(a))
}

// TakeBody owns (Body.Owned) exactly the bytes made for the call: never
// those of a file the Site holds (its made files; in a Site that keeps
// its files, the kept pages of posts among a feed's newest), whose memory
// no owned body shares; and in a lean Site every page and feed it makes
// when asked for.
func TestTakeBodyOwned(t *testing.T) {
	cfg := goldenConfig()
	cfg.Limit = 20 // posts outside every feed's newest: their pages are not kept
	posts := gen.Varied(120, 4)
	for _, lean := range []bool{false, true} {
		build := Build
		if lean {
			build = BuildLean
		}
		s, err := build(posts, cfg, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		held := map[string][]byte{}
		for p, f := range s.Made() {
			held[p] = f.Body
		}
		if !lean {
			for _, p := range s.Paths() {
				if f, err := s.File(p); err != nil || f == nil {
					t.Fatalf("File(%s): %v", p, err)
				} else if s.PostPage(p) { // kept now, if among a feed's newest
					held[p] = f.Body
				}
			}
		}
		owned, kept := 0, 0
		for _, p := range s.Paths() {
			b, err := s.TakeBody(p)
			if err != nil {
				t.Fatal(err)
			}
			if !b.Owned() {
				if s.PostPage(p) {
					kept++
				}
				if _, ok := held[p]; !ok {
					t.Errorf("lean %v: %s: not owned, yet the Site holds no file there", lean, p)
				}
				continue
			}
			owned++
			if _, made := s.paths[p]; made && s.paths[p].file != nil {
				t.Errorf("lean %v: %s: a made file's bytes are owned", lean, p)
			}
			for q, h := range held {
				if overlaps(b.Bytes, h) {
					t.Fatalf("lean %v: the bytes owned of %s share memory with those of %s, which the Site holds", lean, p, q)
				}
			}
		}
		switch {
		case lean && (owned+len(held) != len(s.Paths()) || kept > 0):
			t.Errorf("lean: %d owned, %d held, %d pages of posts kept, of %d files", owned, len(held), kept, len(s.Paths()))
		case !lean && (owned == 0 || kept == 0):
			t.Errorf("not lean: %d bodies owned, %d kept pages of posts: want some of each", owned, kept)
		}
	}
}

// Bodies made in the buffers of bodies given back are the bytes Body
// makes anew, each of them, built twice over the same reused buffers.
func TestTakeBodyRecycled(t *testing.T) {
	cfg := goldenConfig()
	cfg.Limit = 30
	posts := gen.Varied(150, 5)
	ref, err := BuildLean(posts, cfg, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, p := range ref.Paths() {
		if want[p], err = ref.Body(p); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 2 {
		s, err := BuildLean(posts, cfg, goldenNow)
		if err != nil {
			t.Fatal(err)
		}
		owned := 0
		for _, p := range s.Paths() {
			b, err := s.TakeBody(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes, want[p]) {
				t.Fatalf("round %d: %s: %d bytes, not the %d Body makes", round, p, len(b.Bytes), len(want[p]))
			}
			owned += b2i(b.Owned())
			b.Release()
			if b.Bytes != nil {
				t.Fatal("Release left the bytes in the Body")
			}
		}
		if owned < len(s.Paths())/2 {
			t.Fatalf("round %d: %d of %d bodies owned", round, owned, len(s.Paths()))
		}
	}
	for p, f := range ref.Made() { // never given back, so never written over
		if !bytes.Equal(f.Body, want[p]) {
			t.Errorf("%s: the made file changed", p)
		}
	}
}
