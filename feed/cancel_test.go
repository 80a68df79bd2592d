package feed

import (
	"context"
	"errors"
	"testing"
	"time"

	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// BuildLeanContext stops with its context's error.
func TestBuildLeanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := BuildLeanContext(ctx, []*loader.Post{feedtest.Post("a.md", "A", "x")}, Config{}, time.Now())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
