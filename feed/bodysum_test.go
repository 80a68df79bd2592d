package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/zeebo/blake3"
)

// TestBodySum: BodySum is BLAKE3 (the known answer for no bytes, from the
// BLAKE3 paper's reference vectors) cut to 16 bytes, and a pooled hasher
// carries nothing from one file into the next.
func TestBodySum(t *testing.T) {
	if got, want := BodySum(nil), "af1349b9f5f9a1a6a0404dea36dcc949"; hex.EncodeToString(got[:]) != want {
		t.Errorf("BodySum(nil) = %x, want %s", got, want)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 30_000) // 480 KB: several batches of 8 KB
	for _, n := range []int{0, 1, 64, 1024, 1025, 8192, 8193, 11 << 10, 16 << 10, 46<<10 + 7, len(big)} {
		for range 2 { // after a long file and after itself
			BodySum(big)
			full := blake3.Sum256(big[:n])
			if got := BodySum(big[:n]); !bytes.Equal(got[:], full[:16]) {
				t.Errorf("%d bytes: BodySum = %x, want %x", n, got, full[:16])
			}
		}
	}
	if a, b := BodySum(big), BodySum(append(bytes.Clone(big[:len(big)-1]), 'x')); a == b {
		t.Errorf("a changed last byte kept the digest %x", a)
	}
}

// BenchmarkBodySum: BodySum against SHA-256 (what it replaced) and the
// one-shot blake3.Sum256, on the sizes a build writes: an 11 KB and a 16
// KB post page, a 46 KB index page, a 450 KB feed. Run with -cpu 1: it is
// the CPU a build spends, not a speed spread over cores.
func BenchmarkBodySum(b *testing.B) {
	hashes := []struct {
		name string
		sum  func([]byte)
	}{
		{"blake3", func(p []byte) { BodySum(p) }},
		{"blake3-oneshot", func(p []byte) { blake3.Sum256(p) }},
		{"sha256", func(p []byte) { sha256.Sum256(p) }},
	}
	for _, size := range []int{11 << 10, 16 << 10, 46 << 10, 450 << 10} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(i*7 + i>>8)
		}
		for _, h := range hashes {
			b.Run(fmt.Sprintf("%s/%dKB", h.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					h.sum(body)
				}
			})
		}
	}
}
