package feed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"feedpub/loader"
)

// WriteDir stops between files when its context is done: a build told to
// stop does not run to the end of the site.
func TestWriteDirCancelled(t *testing.T) {
	site, err := Build([]*loader.Post{testPost("a.md", "A", "x"), testPost("b.md", "B", "y")}, Config{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = site.WriteDir(dir, WriteOptions{Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rss.xml")); err == nil {
		t.Errorf("rss.xml written by a cancelled WriteDir")
	}
}

// BuildLeanContext stops with its context's error.
func TestBuildLeanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := BuildLeanContext(ctx, []*loader.Post{testPost("a.md", "A", "x")}, Config{}, time.Now())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
