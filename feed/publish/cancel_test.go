package publish

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/loader"
)

// WriteDir stops between files when its context is done: a build told to
// stop does not run to the end of the site.
func TestWriteDirCancelled(t *testing.T) {
	site, err := feed.Build([]*loader.Post{testPost("a.md", "A", "x"), testPost("b.md", "B", "y")}, feed.Config{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = WriteDir(site, dir, Options{Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "rss.xml")); err == nil {
		t.Errorf("rss.xml written by a cancelled WriteDir")
	}
}
