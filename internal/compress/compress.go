// Package compress holds the one way feedpub gzips a file's bytes, for the
// server (feed/feedhttp) and for the files written beside each other
// (feed/publish, -gzip): the same bytes give the same gzip.
package compress

import (
	"bytes"
	"compress/gzip"
)

// Gzip returns b gzipped at the default level.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
