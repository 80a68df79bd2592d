package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file read again (a slim post's Full, its body) goes into the pooled
// buffer it fits in, not a new one; a larger one is read whole all the
// same.
func TestReadPooledUsesBuffer(t *testing.T) {
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.md"), filepath.Join(dir, "large.md")
	text := strings.Repeat("x", 8000)
	if err := os.WriteFile(small, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, []byte(text+text+text), 0o644); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 16<<10)
	data, err := readPooled(buf, small, DefaultMaxSize)
	if err != nil || string(data) != text {
		t.Fatalf("small file: %d bytes, %v", len(data), err)
	}
	if &data[:1][0] != &buf[:1][0] {
		t.Error("a file that fits the buffer was read into a new one")
	}
	data, err = readPooled(buf, large, DefaultMaxSize)
	if err != nil || string(data) != text+text+text {
		t.Fatalf("large file: %d bytes, %v", len(data), err)
	}
	if data, err = readPooled(nil, small, DefaultMaxSize); err != nil || string(data) != text {
		t.Fatalf("no buffer: %d bytes, %v", len(data), err)
	}
	if _, err = readPooled(buf, large, 100); err == nil {
		t.Error("a file over the limit was read")
	}
}
