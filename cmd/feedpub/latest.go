package main

import (
	"context"
	"sync"
)

// latest hands the newest of what is offered to a worker in the
// background: an offer never blocks, and offers made while the worker is
// busy replace each other, so it takes only the last.
type latest[T any] struct {
	mu   sync.Mutex
	v    T    // guarded by mu
	has  bool // an offer waits; guarded by mu
	kick chan struct{}
}

func newLatest[T any]() *latest[T] { return &latest[T]{kick: make(chan struct{}, 1)} }

// offer replaces what waits with v.
func (l *latest[T]) offer(v T) { l.put(v, true) }

// offerIfNone offers v unless something else waits already (a retry that
// a newer offer makes needless).
func (l *latest[T]) offerIfNone(v T) { l.put(v, false) }

func (l *latest[T]) put(v T, replace bool) {
	l.mu.Lock()
	if replace || !l.has {
		l.v, l.has = v, true
	}
	l.mu.Unlock()
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// run calls work with each offer it takes, one at a time, until ctx is
// done.
func (l *latest[T]) run(ctx context.Context, work func(T)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.kick:
		}
		l.mu.Lock()
		v, has := l.v, l.has
		var zero T
		l.v, l.has = zero, false
		l.mu.Unlock()
		if has {
			work(v)
		}
	}
}
