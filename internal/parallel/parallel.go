// Package parallel runs the calls of a loop on a few goroutines.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For calls fn(i) for i from 0 to n-1 on up to workers goroutines, each
// taking the next i when done with one: no goroutine or channel hand-off a
// call (10,000 of them, one a post, kept the scheduler's idle threads
// spinning and sleeping). A call that returns false stops the taking of
// more; For returns once every call taken has returned.
func For(workers, n int, fn func(i int) bool) {
	var (
		next atomic.Int64
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for !stop.Load() {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if !fn(i) {
					stop.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
}
