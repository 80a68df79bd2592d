//go:build unix

package loader

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO named like a post is skipped with a warning, never opened: the
// scan does not wait for a writer, and the other posts are read.
func TestScanSkipsFIFOWithWarning(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"good.md": goodPost(1)})
	for _, name := range []string{"pipe.md", "sub/pipe.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	if err := os.Symlink("pipe.md", filepath.Join(dir, "link.md")); err != nil {
		t.Fatal(err)
	}
	res := scan(t, Config{Root: dir})
	if len(res.Posts) != 1 {
		t.Fatalf("got %d posts, want good.md", len(res.Posts))
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.Error())
	}
	for _, want := range []string{
		"link.md: warning: a named pipe (FIFO), not a file: skipped",
		"pipe.md: warning: a named pipe (FIFO), not a file: skipped",
		"sub/pipe.txt: warning: a named pipe (FIFO), not a file: skipped",
	} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("got problems %q, want %q among them", got, want)
		}
	}
}
