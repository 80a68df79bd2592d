package loader

import (
	"io"
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
	src := newSource(dir, DefaultMaxSize)
	data, err := src.readPooled(buf, "", "small.md")
	if err != nil || string(data) != text {
		t.Fatalf("small file: %d bytes, %v", len(data), err)
	}
	if &data[:1][0] != &buf[:1][0] {
		t.Error("a file that fits the buffer was read into a new one")
	}
	data, err = src.readPooled(buf, large, "large.md")
	if err != nil || string(data) != text+text+text {
		t.Fatalf("large file: %d bytes, %v", len(data), err)
	}
	if data, err = src.readPooled(nil, "", "small.md"); err != nil || string(data) != text {
		t.Fatalf("no buffer: %d bytes, %v", len(data), err)
	}
	if _, err = newSource(dir, 100).readPooled(buf, "", "large.md"); err == nil {
		t.Error("a file over the limit was read")
	}
}

// reads counts the reads of a reader, and the bytes each asked for.
type reads struct {
	r     io.Reader
	asked []int
}

func (c *reads) Read(b []byte) (int, error) {
	c.asked = append(c.asked, len(b))
	return c.r.Read(b)
}

// A file of the size it was listed at is read in one read, not a second
// to see its end; one that grew since, or of a size guessed, is read to
// its end all the same.
func TestReadFromKnownSize(t *testing.T) {
	text := strings.Repeat("y", 5000)
	for _, tc := range []struct {
		name  string
		size  int64
		known bool
		reads int
	}{
		{"listed size", 5000, true, 1},
		{"grown since listed", 4000, true, 3}, // 4001 bytes, then the rest, then the end
		{"shrunk since listed", 6000, true, 2},
		{"size a guess", 5000, false, 2},
	} {
		c := &reads{r: strings.NewReader(text)}
		data, err := readFrom(c, nil, tc.size, DefaultMaxSize, tc.known)
		if err != nil || string(data) != text {
			t.Fatalf("%s: %d bytes, %v", tc.name, len(data), err)
		}
		if len(c.asked) != tc.reads {
			t.Errorf("%s: %d reads (asking %v), want %d", tc.name, len(c.asked), c.asked, tc.reads)
		}
	}
}
