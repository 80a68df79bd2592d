package feed

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"feedpub/internal/gen"
	"feedpub/loader"
)

// A packCodec is a way to keep content compressed, measured by
// BenchmarkPackCodecs: what pack and unpack could be.
type packCodec struct {
	name   string
	pack   func(dst []byte, src []byte) []byte
	unpack func(dst []byte, src []byte) ([]byte, error)
	// packString, if set, is pack of content as a string, as pack gets it.
	packString func(src string) []byte
}

func flateCodec(name string, level int) packCodec {
	var out bytes.Buffer
	w, err := flate.NewWriter(&out, level)
	if err != nil {
		panic(err)
	}
	r := flate.NewReader(nil)
	return packCodec{name: name,
		pack: func(dst, src []byte) []byte {
			out.Reset()
			w.Reset(&out)
			w.Write(src)
			w.Close()
			return append(dst, out.Bytes()...)
		},
		unpack: func(dst, src []byte) ([]byte, error) {
			r.(flate.Resetter).Reset(bytes.NewReader(src), nil)
			b := bytes.NewBuffer(dst)
			_, err := io.Copy(b, r)
			return b.Bytes(), err
		},
	}
}

func zstdCodec(name string, level zstd.EncoderLevel) packCodec {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return packCodec{name: name,
		pack:   func(dst, src []byte) []byte { return enc.EncodeAll(src, dst) },
		unpack: func(dst, src []byte) ([]byte, error) { return dec.DecodeAll(src, dst) },
	}
}

// packCodecs are the candidates, and "used": pack and Unpack themselves
// (with what they allocate: the packed bytes, kept, and the content).
func packCodecs() []packCodec {
	s2Unpack := func(dst, src []byte) ([]byte, error) { return s2.Decode(dst[:cap(dst)], src) }
	return []packCodec{
		{name: "used", packString: pack,
			pack: func(dst, src []byte) []byte { return append(dst, pack(string(src))...) },
			unpack: func(dst, src []byte) ([]byte, error) {
				s, err := Unpack(src)
				return append(dst, s...), err
			}},
		flateCodec("flate-1", flate.BestSpeed),
		flateCodec("flate-5", 5),
		flateCodec("flate-huffman", flate.HuffmanOnly),
		{name: "s2", pack: s2.Encode, unpack: s2Unpack},
		{name: "s2-better", pack: s2.EncodeBetter, unpack: s2Unpack},
		{name: "snappy", pack: s2.EncodeSnappy, unpack: s2Unpack},
		{name: "snappy-better", pack: s2.EncodeSnappyBetter, unpack: s2Unpack},
		zstdCodec("zstd-fastest", zstd.SpeedFastest),
		zstdCodec("zstd-default", zstd.SpeedDefault),
	}
}

// packCorpus is the sanitised content of the posts of a folder in the
// feeds of a Site built from it with the default configuration, as pack
// gets it: what a build keeps packed and serve holds.
func packCorpus(b *testing.B, dir string) [][]byte {
	res, err := loader.New(loader.Config{Root: dir}).Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	bl, err := NewLeanBuilder(Config{URL: "https://news.example.com/"})
	if err != nil {
		b.Fatal(err)
	}
	site, err := bl.Build(res.Posts, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	seen := map[*item]bool{}
	var out [][]byte
	for _, ch := range site.channels {
		for _, it := range ch.items[:min(bl.r.Limit, len(ch.items))] {
			if !seen[it] {
				seen[it] = true
				out = append(out, []byte(bl.r.prepare(it, false).content))
			}
		}
	}
	if len(out) == 0 {
		b.Skipf("%s: no post in a feed", dir)
	}
	return out
}

// BenchmarkPackCodecs measures ways to keep the content of posts in feeds
// compressed, per codec: pack and unpack of the whole corpus (MB/s of raw
// content), and the packed size ("packed-%": of the raw bytes;
// "packed-MB": the corpus packed, what serve would hold of it; "posts":
// how many posts the corpus holds). Corpora:
// gen's posts (gen), the seed posts in ../shared/seeds (seeds), and a
// folder of one's choice in FEEDPUB_PACK_SEEDS (dir: its posts in feeds,
// e.g. the bench's seeds-10000).
func BenchmarkPackCodecs(b *testing.B) {
	corpora := map[string]func(b *testing.B) [][]byte{
		"gen": func(b *testing.B) [][]byte {
			dir := b.TempDir()
			if err := gen.Write(context.Background(), dir, 300, gen.Options{Cats: 200, Size: 8 << 10, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			return packCorpus(b, dir)
		},
		"seeds": func(b *testing.B) [][]byte {
			dir := filepath.Join("..", "..", "shared", "seeds")
			if _, err := os.Stat(dir); err != nil {
				b.Skipf("no seeds: %v", err)
			}
			return packCorpus(b, dir)
		},
		"dir": func(b *testing.B) [][]byte {
			dir := os.Getenv("FEEDPUB_PACK_SEEDS")
			if dir == "" {
				b.Skip("FEEDPUB_PACK_SEEDS names no folder")
			}
			return packCorpus(b, dir)
		},
	}
	for _, name := range []string{"gen", "seeds", "dir"} {
		b.Run(name, func(b *testing.B) {
			corpus := corpora[name](b)
			raw := 0
			for _, c := range corpus {
				raw += len(c)
			}
			for _, c := range packCodecs() {
				packed := make([][]byte, len(corpus))
				total := 0
				for i, s := range corpus {
					packed[i] = c.pack(nil, s)
					total += len(packed[i])
					if got, err := c.unpack(nil, packed[i]); err != nil || !bytes.Equal(got, s) {
						b.Fatalf("%s: post %d does not come back (%v)", c.name, i, err)
					}
				}
				report := func(b *testing.B) {
					b.SetBytes(int64(raw))
					b.ReportMetric(100*float64(total)/float64(raw), "packed-%")
					b.ReportMetric(float64(total)/1e6, "packed-MB")
					b.ReportMetric(float64(len(corpus)), "posts")
				}
				b.Run(c.name+"/pack", func(b *testing.B) {
					var dst []byte
					strs := make([]string, len(corpus))
					for i, s := range corpus {
						strs[i] = string(s)
					}
					for b.Loop() {
						for i, s := range corpus {
							if c.packString != nil {
								dst = c.packString(strs[i])
							} else {
								dst = c.pack(dst[:0], s)
							}
						}
					}
					report(b)
				})
				b.Run(c.name+"/unpack", func(b *testing.B) {
					dst := make([]byte, 0, 1<<20)
					var err error
					for b.Loop() {
						for _, p := range packed {
							if dst, err = c.unpack(dst[:0], p); err != nil {
								b.Fatal(err)
							}
						}
					}
					report(b)
				})
			}
		})
	}
}
