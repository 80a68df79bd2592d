package loader

import (
	"bytes"
	"context"
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

// scanDir is the folder FEEDPUB_SCAN_DIR names, for the benchmarks of a
// build's reading of a real folder (e.g. 10,000 gen posts), or a skip.
func scanDir(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("FEEDPUB_SCAN_DIR")
	if dir == "" {
		b.Skip("set FEEDPUB_SCAN_DIR to a folder of posts")
	}
	return dir
}

// buildConfig is the Config of build's loader for a folder over its body
// budget, on one worker: what a benchmark's CPU time is steadiest with.
func buildConfig(dir string) Config {
	return Config{Root: dir, BodyBudget: 1, SlimPosts: true, Workers: 1}
}

// BenchmarkScanDir: build's scan of FEEDPUB_SCAN_DIR (walk, read, digest,
// front matter), slim posts.
func BenchmarkScanDir(b *testing.B) {
	dir := scanDir(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := New(buildConfig(dir)).Scan(context.Background())
		if err != nil || len(res.Posts) == 0 {
			b.Fatal(err, "no post")
		}
	}
}

// BenchmarkFullDir: Post.Full of each post of FEEDPUB_SCAN_DIR, as build
// reads each post again for its page.
func BenchmarkFullDir(b *testing.B) {
	res, err := New(buildConfig(scanDir(b))).Scan(context.Background())
	if err != nil || len(res.Posts) == 0 {
		b.Fatal(err, "no post")
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range res.Posts {
			if _, err := p.Full(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCheckText: the scan's check of a post's bytes (UTF-8, and
// nothing XML forbids), on an 8 KB seed post of short lines.
func BenchmarkCheckText(b *testing.B) {
	data := seedSized(b)
	data = bytes.ReplaceAll(data, []byte("</p>"), []byte("</p>\n"))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if valid, clean := checkText(data); !valid || !clean {
			b.Fatal("seed post not clean")
		}
	}
}
