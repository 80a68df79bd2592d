package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// TestWalkManyFolders: more folders than a walk holds open at once
// (maxOpenFolders), nested, some with more files than one worker stats
// at a time: each file once, with its own size, the files in a folder's
// subfolders before its own, each folder's in name order; no folder left
// open.
func TestWalkManyFolders(t *testing.T) {
	root := t.TempDir()
	var want []string
	size := map[string]int64{}
	for i := range maxOpenFolders + 20 {
		dir := fmt.Sprintf("d%03d", i)
		os.MkdirAll(filepath.Join(root, dir, "sub"), 0o755)
		n := 2
		if i%30 == 0 {
			n = statChunkSize + 7
		}
		var own []string
		for j := range n {
			for _, rel := range []string{fmt.Sprintf("%s/sub/s%03d.md", dir, j), fmt.Sprintf("%s/p%03d.md", dir, j)} {
				size[rel] = int64(len(size) % 97)
				os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(strings.Repeat("x", int(size[rel]))), 0o644)
			}
			want = append(want, fmt.Sprintf("%s/sub/s%03d.md", dir, j))
			own = append(own, fmt.Sprintf("%s/p%03d.md", dir, j))
		}
		want = append(want, own...)
	}
	fds := openFiles(t)
	w := walker{realRoot: root, visited: map[string]bool{}}
	w.walk(root, "")
	var got []string
	for _, f := range w.files {
		got = append(got, f.rel)
		if f.info.Size() != size[f.rel] || f.abs != filepath.Join(root, filepath.FromSlash(f.rel)) {
			t.Errorf("%s: %s of %d bytes, want %d", f.rel, f.abs, f.info.Size(), size[f.rel])
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("found %d files, want %d in walk order; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
	if n := openFiles(t); n != fds {
		t.Errorf("%d files open after the walk, %d before", n, fds)
	}
}

// openFiles is how many files the process holds open, or skips the test
// where /proc does not tell.
func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(entries)
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
