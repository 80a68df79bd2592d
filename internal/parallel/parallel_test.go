package parallel

import (
	"sync/atomic"
	"testing"
)

// Each i is called once, on no more goroutines than asked for.
func TestForEachOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 50} {
		const n = 1000
		var calls [n]atomic.Int32
		var running, most atomic.Int32
		For(workers, n, func(i int) bool {
			r := running.Add(1)
			for m := most.Load(); r > m && !most.CompareAndSwap(m, r); m = most.Load() {
			}
			calls[i].Add(1)
			running.Add(-1)
			return true
		})
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Fatalf("workers %d: fn(%d) called %d times", workers, i, c)
			}
		}
		if m := most.Load(); m > int32(max(workers, 1)) {
			t.Errorf("workers %d: %d calls at once", workers, m)
		}
	}
}

// A call that returns false stops the taking of more: with one worker,
// none after it.
func TestForStops(t *testing.T) {
	var calls atomic.Int32
	For(1, 100, func(i int) bool {
		calls.Add(1)
		return i < 9
	})
	if c := calls.Load(); c != 10 {
		t.Errorf("got %d calls, want 10 (the tenth said stop)", c)
	}
	For(4, 0, func(int) bool { t.Error("called with n = 0"); return true })
}
