// Package compress holds the one way feedpub gzips a file's bytes, for the
// server (feed/feedhttp) and for the files written beside each other
// (feed/publish, -gzip): the same bytes give the same gzip.
package compress

import (
	"bytes"
	"compress/gzip"
	"sync"

	"github.com/andybalholm/brotli"
)

// Gzip returns b gzipped at the default level.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw, _ := gzips.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	} else {
		zw.Reset(&buf)
	}
	zw.Write(b)
	zw.Close()
	gzips.Put(zw)
	return buf.Bytes()
}

// gzips keeps gzip writers for reuse: making one costs more than
// compressing a small file. A Writer holds nothing once Reset.
var gzips sync.Pool // *gzip.Writer

// BrotliMin is the smallest body worth compressing with brotli.
const BrotliMin = 512

// brotliLevel trades size for time; make bench prints what it gives on
// feeds and pages.
const brotliLevel = 5

// Brotli returns b compressed with brotli, or nil when b is shorter than
// BrotliMin or would not get smaller.
func Brotli(b []byte) []byte {
	if len(b) < BrotliMin {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := brotli.NewWriterLevel(&buf, brotliLevel)
	w.Write(b)
	w.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}
