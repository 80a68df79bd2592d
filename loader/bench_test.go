package loader

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// seedSized returns a post in the seed format with an HTML body of about
// 8 KB, made from the first seed's own paragraphs.
func seedSized(tb testing.TB) []byte {
	tb.Helper()
	files, _ := filepath.Glob("../seeds/001_*.txt")
	if len(files) == 0 {
		tb.Skip("no seed 001")
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		tb.Fatal(err)
	}
	i := bytes.Index(data, []byte("<p>"))
	j := bytes.LastIndex(data, []byte("</p>"))
	if i < 0 || j < i {
		tb.Fatalf("seed %s has no paragraphs", files[0])
	}
	paras := data[i : j+4]
	var b bytes.Buffer
	b.Write(data[:i])
	for b.Len() < 8<<10 {
		b.Write(paras)
		b.WriteByte('\n')
	}
	b.Write(data[j+4:])
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	data := seedSized(b)
	opt := Options{Location: time.UTC}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse("2024/post.html", data, opt); err != nil {
			b.Fatal(err)
		}
	}
}
