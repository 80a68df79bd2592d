package main

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Offers made while the worker is busy collapse into the last one;
// offerIfNone does not replace an offer that waits, and counts when none
// does.
func TestLatest(t *testing.T) {
	l := newLatest[int]()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busy, took := make(chan struct{}), make(chan int, 10)
	go l.run(ctx, func(v int) {
		took <- v
		if v == 1 {
			<-busy
		}
	})
	l.offer(1)
	if v := <-took; v != 1 {
		t.Fatalf("took %d first, want 1", v)
	}
	l.offer(2)
	l.offer(3)
	l.offerIfNone(4)
	close(busy)
	got := []int{<-took}
	l.offerIfNone(5)
	got = append(got, <-took)
	select {
	case v := <-took:
		t.Fatalf("took %d more after %v", v, got)
	case <-time.After(50 * time.Millisecond):
	}
	if !slices.Equal(got, []int{3, 5}) {
		t.Errorf("took %v, want [3 5]", got)
	}
}
