package loader

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A Scan whose context is cancelled returns at once, even while a worker
// is busy with a post (here held in Progress, as a post goldmark takes
// seconds over would hold it): build and serve stop within a second.
func TestScanCancelledReturnsWhileReading(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 8 {
		files[fmt.Sprintf("p%d.md", i)] = goodPost(i)
	}
	writeFiles(t, dir, files)
	busy, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	first := true
	cfg := Config{Root: dir, Workers: 1, Progress: func(done, total int) {
		if first {
			first = false
			close(busy)
			<-release
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		res *Result
		err error
	}
	got := make(chan result, 1)
	go func() {
		res, err := New(cfg).Scan(ctx)
		got <- result{res, err}
	}()
	<-busy
	cancel()
	select {
	case r := <-got:
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("got error %v, want context.Canceled", r.err)
		}
		if r.res == nil || len(r.res.Problems) == 0 {
			t.Errorf("got %+v, want the files not read reported", r.res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Scan did not return after its context was cancelled while a worker was busy")
	}
}
