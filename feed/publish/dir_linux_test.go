//go:build linux && !osroot

package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A killed run's temporary file may carry a Last-Modified a second ahead
// of the clock (bump), set before it took its name: the next run, started
// within that second, still removes it, by its change time. A temporary
// file made after the run started (another run's, now writing) stays.
func TestSweepFutureTemp(t *testing.T) {
	out := t.TempDir()
	killed := filepath.Join(out, tmpPrefix+"0123456789ab-w")
	if err := os.WriteFile(killed, []byte("half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	ahead := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(killed, ahead, ahead); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // past the file's ctime, on the kernel's coarse clock
	d, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	time.Sleep(20 * time.Millisecond)
	later := filepath.Join(out, tmpPrefix+"ba9876543210-1")
	if err := os.WriteFile(later, []byte("being written"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.sweep(nil)
	if _, err := os.Stat(killed); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the killed run's temporary file, its mtime ahead of the clock, is still there: %v", err)
	}
	if _, err := os.Stat(later); err != nil {
		t.Errorf("a temporary file made after the run started was removed: %v", err)
	}
}
