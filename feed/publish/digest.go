package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// A Digest is what the state keeps of a published file's bytes (the
// first 16 bytes of their BLAKE3 hash: fileSum) or of what it was made from
// (feed.Site.Key, given in hex): held as bytes, not as hex strings, in
// each of the 110,000 records of a large folder (a string's header and
// its 32 bytes of hex took 48 bytes, a Digest takes 16) and in what the
// server's index and the Packer keep of the same files. The zero Digest
// is none.
type Digest [16]byte

// String is the digest in hex, as feed.Site.Key gives keys.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is none.
func (d Digest) IsZero() bool { return d == Digest{} }

// digestOf is the Digest of s: the bytes a hex digest of 16 bytes (a
// key) spells, or for any other string (an ETag told by Stamp) the first
// 16 bytes of its SHA-256, which tells it apart as well; zero for "".
func digestOf(s string) Digest {
	var d Digest
	if s == "" {
		return d
	}
	if len(s) == 2*len(d) {
		if _, err := hex.Decode(d[:], []byte(s)); err == nil {
			return d
		}
	}
	sum := sha256.Sum256([]byte(s))
	copy(d[:], sum[:])
	return d
}

// nanos is a time to the nanosecond, as the state keeps a post file's
// modification time and when a published file's bytes last changed: 8
// bytes, not a time.Time's 24, in each of 100,000 records; 0 for none.
// (A file's time past 2262 does not fit: that file is then read again,
// as a changed one is.)
type nanos int64

func nanosOf(t time.Time) nanos {
	if t.IsZero() {
		return 0
	}
	return nanos(t.UnixNano())
}

// Time is n as a time, in UTC; zero for none.
func (n nanos) Time() time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(n)).UTC()
}
