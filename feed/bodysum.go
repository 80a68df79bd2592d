package feed

import (
	"sync"

	"github.com/zeebo/blake3"
)

// BodySum is the digest of a published file's bytes: the first 16 bytes
// of their BLAKE3 hash. A File's ETag spells its first 12 (newFile), and
// publish keeps all 16 of each file it writes (its state's Digest), so a
// file served from memory and the same bytes served from the published
// folder carry one ETag.
//
// It must stay a cryptographic hash: the state trusts an equal digest to
// mean equal bytes, and a post crafted to make a changed feed's digest
// equal the old one would keep a retraction from being written. BLAKE3,
// not SHA-256, for speed, as every byte a build writes goes through it.
// On this project's AMD Zen 4 (SHA-NI for SHA-256, AVX2 for
// zeebo/blake3), hashing the 10,830 files of a 10,000-post build on one
// core, best of 9 in two runs: its 617 feeds (273 MB) took 160-190 ms
// with SHA-256, 89-90 ms with BLAKE3; its 10,003 post pages of about 11
// KB (106 MB) 66-75 ms and 55-66 ms (BLAKE3 hashes 8 chunks of 1 KB at
// once, and a page's last 3 KB cost a whole batch). BenchmarkBodySum has
// the same per size. Its pure-Go code (other than amd64, or -tags purego)
// did 0.3-0.5 GB/s here, where SHA-256 has instructions of its own on
// arm64. lukechampine.com/blake3 (AVX-512) was slower at these sizes: it
// allocates and starts a goroutine per subtree, and Zen 4 runs AVX-512 at
// AVX2's width.
func BodySum(body []byte) [16]byte {
	h := hashers.Get().(*blake3.Hasher)
	h.Reset()
	h.Write(body)
	var sum [16]byte
	h.Digest().Read(sum[:])
	hashers.Put(h)
	return sum
}

// hashers are BLAKE3 hashers kept for BodySum: a new one (or the one-shot
// blake3.Sum256) clears its 8 KB buffer at every call, 5% of the time of
// an 11 or 16 KB page (best of 12 runs of BenchmarkBodySum: 4.1 µs
// pooled, 4.3 one-shot).
var hashers = sync.Pool{New: func() any { return blake3.New() }}
