package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/mmcdole/gofeed"
)

// A lean Site's feed asked for twice, before the channel's other formats
// are taken, is the whole feed both times, by File and by Body: the same
// bytes as a Site that keeps its files, and they parse back alike.
func TestLeanFeedAskedTwice(t *testing.T) {
	want, res := buildTestdata(t)
	asks := map[string]func(s *Site, p string) ([]byte, error){
		"File": func(s *Site, p string) ([]byte, error) {
			f, err := s.File(p)
			if f == nil {
				return nil, err
			}
			return f.Body, err
		},
		"Body": (*Site).Body,
	}
	for name, ask := range asks {
		t.Run(name, func(t *testing.T) {
			lean, err := BuildLean(res.Posts, goldenConfig(), goldenNow)
			if err != nil {
				t.Fatal(err)
			}
			for dir := range wantFeeds {
				for _, f := range []int{0, 0, 1, 2, 1, 2, 0} { // rss twice first, then each again after all are taken
					p := "/" + dir + formatList[f].file
					got, err := ask(lean, p)
					if err != nil {
						t.Fatalf("%s(%s): %v", name, p, err)
					}
					w := fileAt(t, want, p).Body
					if !bytes.Equal(got, w) {
						t.Errorf("%s(%s) gave %d bytes, want the %d of a Site that keeps its files", name, p, len(got), len(w))
						continue
					}
					sameParsed(t, p, formatList[f].name == "json", got, w)
				}
			}
		})
	}
}

// sameParsed checks that feed got parses back (strict XML or JSON, and
// gofeed) to the items of want, and has some.
func sameParsed(t *testing.T, p string, isJSON bool, got, want []byte) {
	t.Helper()
	if !isJSON {
		strictXML(t, p, got)
	} else if !json.Valid(got) {
		t.Errorf("%s: invalid JSON", p)
	}
	g, err := gofeed.NewParser().Parse(bytes.NewReader(got))
	if err != nil {
		t.Errorf("%s: gofeed: %v", p, err)
		return
	}
	w, err := gofeed.NewParser().Parse(bytes.NewReader(want))
	if err != nil {
		t.Fatalf("%s: gofeed on the kept file: %v", p, err)
	}
	if len(g.Items) == 0 || len(g.Items) != len(w.Items) {
		t.Errorf("%s: %d items, want %d (not none)", p, len(g.Items), len(w.Items))
		return
	}
	for i := range g.Items {
		if g.Items[i].GUID != w.Items[i].GUID || g.Items[i].Title != w.Items[i].Title {
			t.Errorf("%s: item %d is %q (%s), want %q (%s)", p, i, g.Items[i].Title, g.Items[i].GUID, w.Items[i].Title, w.Items[i].GUID)
		}
	}
}

// A lean Site whose feeds are each taken once keeps none of their bodies.
func TestLeanFeedsTakenOnceKeepNothing(t *testing.T) {
	_, res := buildTestdata(t)
	lean, err := BuildLean(res.Posts, goldenConfig(), goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lean.Paths() {
		if _, err := lean.Body(p); err != nil {
			t.Fatal(err)
		}
	}
	lean.encs.mu.Lock()
	defer lean.encs.mu.Unlock()
	if len(lean.encs.m) == 0 {
		t.Fatal("no feed was made through the lean path")
	}
	for ch, e := range lean.encs.m {
		for f, b := range e.bodies {
			if b != nil {
				t.Errorf("/%s%s: %d bytes kept after it was taken", ch.dir, formatList[f].file, len(b))
			}
		}
	}
}

// Unpack gives back what pack packed, of every size around the packer's
// buffer, and unpack with the size known too.
func TestPackRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, 8<<10 - 1, 8 << 10, 8<<10 + 1, 3 * 8 << 10, 100 << 10} {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "<p>段落 %d: 内容</p>\n", i*i%977)
		}
		s := b.String()[:n]
		packed := pack(s)
		if packed == nil {
			t.Fatalf("%d bytes: not packed", n)
		}
		for _, size := range []int{0, len(s)} {
			if got, err := unpack(packed, size); err != nil || got != s {
				t.Fatalf("%d bytes (size %d): got %d bytes back (%v)", n, size, len(got), err)
			}
		}
	}
}

// pack and unpack of content no post would have: empty, invalid UTF-8,
// NULs, random bytes that do not compress, bytes that look packed, and a
// post larger than a packer keeps for the next; each packed between two
// others (the packers' buffers are reused, never shared).
func TestPackHostile(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 300<<10)
	for i := range noise {
		noise[i] = byte(rnd.Uint32())
	}
	huge := strings.Repeat("<p>巨大な投稿 \xff\x00 huge</p>", (3*maxPackerBuf)/30)
	contents := []string{"", "\x00", "\xff\xfe\xfd", string([]byte{packS2, 0}), string(pack("packed twice")),
		strings.Repeat("\x00", 70<<10), string(noise), string(noise[:17]), huge, "<p>last</p>"}
	packed := make([][]byte, len(contents))
	for i, s := range contents {
		packed[i] = pack(s)
		if packed[i] == nil {
			t.Fatalf("content %d (%d bytes): not packed", i, len(s))
		}
	}
	for i, s := range contents {
		for _, size := range []int{0, len(s)} {
			if got, err := unpack(packed[i], size); err != nil || got != s {
				t.Errorf("content %d (%d bytes, size %d): got %d bytes back (%v)", i, len(s), size, len(got), err)
			}
		}
	}
	if len(packed[len(contents)-2]) > len(huge)/10 {
		t.Errorf("%d bytes of repeats packed into %d", len(huge), len(packed[len(contents)-2]))
	}
}

// Unpack refuses what pack did not make, and never gives other content
// for it: nothing, another codec's bytes (an older feedpub's raw DEFLATE),
// a packed content cut anywhere, or with another size than the one known.
func TestUnpackRefuses(t *testing.T) {
	content := strings.Repeat("<p>段落 and words</p>\n", 200)
	var deflated bytes.Buffer
	w, _ := flate.NewWriter(&deflated, flate.BestSpeed)
	w.Write([]byte(content))
	w.Close()
	bad := map[string][]byte{"nil": nil, "empty": {}, "raw DEFLATE": deflated.Bytes(), "the byte alone": {packS2}}
	packed := pack(content)
	for cut := 1; cut < len(packed); cut++ {
		bad[fmt.Sprint("cut at ", cut)] = packed[:cut]
	}
	for name, b := range bad {
		if got, err := Unpack(b); err == nil {
			t.Errorf("%s: got %d bytes, no error", name, len(got))
		}
	}
	for _, size := range []int{1, len(content) - 1, len(content) + 1} {
		if _, err := unpack(packed, size); err == nil {
			t.Errorf("size %d of %d: no error", size, len(content))
		}
	}
}

// TestBuildOnceKeepsWhole: a Site that keeps content as it is beside
// packed, all of it, part of it (past its budget) or none, gives the bytes
// of a Site that keeps its files, asked in any order; and it keeps what
// its budget allows.
func TestBuildOnceKeepsWhole(t *testing.T) {
	want, res := buildTestdata(t)
	wholeOf := func(s *Site) (n, size int) {
		for _, it := range s.pages.items {
			if pr := it.prep.Load(); pr != nil && pr.packed != nil && pr.size > 0 && len(pr.content) == pr.size {
				n, size = n+1, size+pr.size
			}
		}
		return n, size
	}
	build := func(whole int64, backward bool) *Site {
		s, err := BuildOnce(context.Background(), res.Posts, goldenConfig(), goldenNow, whole)
		if err != nil {
			t.Fatal(err)
		}
		paths := s.Paths()
		if backward {
			slices.Reverse(paths)
		}
		for _, p := range paths {
			got, err := s.Body(p)
			if err != nil {
				t.Fatal(err)
			}
			if w := fileAt(t, want, p).Body; !bytes.Equal(got, w) {
				t.Errorf("BuildOnce(whole %d): %s gave %d bytes, want the %d of a Site that keeps its files", whole, p, len(got), len(w))
			}
		}
		return s
	}
	all, size := wholeOf(build(1<<30, false))
	if all < 2 {
		t.Fatalf("a Site with room for all content kept %d posts' content whole, want all those in feeds", all)
	}
	if n, _ := wholeOf(build(0, true)); n != 0 {
		t.Errorf("a Site without room kept %d posts' content whole", n)
	}
	n, got := wholeOf(build(int64(size/2), true))
	if n == 0 || n >= all || got > size/2 {
		t.Errorf("a Site with room for %d bytes kept %d posts' content whole (%d bytes), want some of the %d", size/2, n, got, all)
	}
}
