package publish

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"strings"
	"testing"
	"time"

	"feedpub/loader"
)

// benchState is a state of n posts and their pages, with metadata of the
// size gen makes.
func benchState(n int) *State {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	st := &State{name: BuildState, fingerprint: "fp", data: stateData{Posts: map[string]PostRecord{}, Files: map[string]FileRecord{}, Removed: map[string]RemovedRecord{}}}
	for i := range n {
		st.data.Posts[fmt.Sprintf("2025/%06d_news.html", i)] = newPostRecord(&loader.Post{
			Title: strings.Repeat("标题", 15), Summary: strings.Repeat("摘要", 60), Sum: fmt.Sprintf("%032x", i),
			Image: "https://picsum.photos/400/300?random=1", Date: t0, Updated: t0, Categories: []string{"金融 12"}}, 5000, t0, false, t0)
		st.data.Files[fmt.Sprintf("posts/%06d_news/index.html", i)] = FileRecord{Sum: digestOf(fmt.Sprintf("%032x", i)), Key: digestOf(fmt.Sprintf("%032x", i+1)), Changed: nanosOf(t0)}
	}
	return st
}

// BenchmarkStateCodec: encoding and decoding the whole state, as every
// build that changed something saves it and every build reads it.
func BenchmarkStateCodec(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		st := benchState(n)
		raw, _ := st.encode()
		b.Run(fmt.Sprintf("encode-%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				st.encode()
			}
		})
		b.Run(fmt.Sprintf("decode-%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := decodeStateFile(raw, "fp"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStateGob is BenchmarkStateCodec with encoding/gob, the other
// candidate for one file written at once: what the compact form is
// measured against.
func BenchmarkStateGob(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		st := benchState(n)
		var buf bytes.Buffer
		gob.NewEncoder(&buf).Encode(&st.data)
		raw := buf.Bytes()
		b.Run(fmt.Sprintf("encode-%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				var w bytes.Buffer
				gob.NewEncoder(&w).Encode(&st.data)
			}
		})
		b.Run(fmt.Sprintf("decode-%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				var d stateData
				if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
