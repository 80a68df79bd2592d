package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkManyFiles: a folder of many posts (stat'ed on all cores) gives
// each of them, once, with its own size, in name order; files that are
// no posts are left out.
func TestWalkManyFiles(t *testing.T) {
	root := t.TempDir()
	const n = 1000
	for i := range n {
		os.WriteFile(filepath.Join(root, fmt.Sprintf("p%04d.md", i)), []byte(strings.Repeat("x", i)), 0o644)
	}
	os.WriteFile(filepath.Join(root, "notes.txt~"), []byte("x"), 0o644)
	w := walker{realRoot: root, visited: map[string]bool{}}
	w.walk(root, "")
	if len(w.files) != n {
		t.Fatalf("found %d files, want %d", len(w.files), n)
	}
	for i, f := range w.files {
		if want := fmt.Sprintf("p%04d.md", i); f.rel != want || f.info.Size() != int64(i) || f.abs != filepath.Join(root, want) {
			t.Fatalf("file %d: got %s (%s, %d bytes), want %s of %d bytes", i, f.rel, f.abs, f.info.Size(), want, i)
		}
	}
}
