package feed

import (
	"bytes"
	"context"
	"encoding/xml"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"feedpub/internal/gen"
	"feedpub/loader"
)

// randomUTF8 is valid UTF-8 of the characters the fast paths for prepared
// content look for and their neighbours (C0 and C1 controls, DEL, U+2028,
// U+2029, noncharacters, full-width punctuation, CJK, emoji), among ASCII
// and escapes.
func randomUTF8(rnd *rand.Rand, n int) string {
	runes := []rune{0, 1, '\t', '\n', '\r', 0x1f, ' ', '"', '\\', '&', '\'', '+', '<', '>', 'a', 0x7e, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xbf,
		0xe9, 0x7ff, 0x800, 0x2027, 0x2028, 0x2029, 0x202a, 0x201c, 0x2026, 0x4e2d, 0x5ffe, 0x5fff, 0xd7ff, 0xe000,
		0xfdcf, 0xfdd0, 0xfdef, 0xfdf0, 0xff0c, 0xfffd, 0xfffe, 0xffff, 0x10000, 0x1f600, 0x1fffe, 0x1ffff, 0x10fffe, 0x10ffff}
	var b strings.Builder
	for range n {
		switch k := rnd.IntN(10); {
		case k < 6:
			b.WriteRune(runes[rnd.IntN(len(runes))])
		case k < 9:
			b.WriteString(strings.Repeat("中文，", rnd.IntN(4)) + strings.Repeat("plain ", rnd.IntN(3)))
		default:
			b.WriteRune(rune(rnd.IntN(utf8.MaxRune + 1)))
		}
	}
	return b.String()
}

// appendJSONContent writes what appendJSONString writes for valid UTF-8.
func TestJSONContentAsString(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 1))
	for i := range 20000 {
		s := randomUTF8(rnd, rnd.IntN(40))
		if !utf8.ValidString(s) {
			continue // a surrogate drawn at random
		}
		got, want := appendJSONContent([]byte("x"), s), appendJSONString([]byte("x"), s)
		if !bytes.Equal(got, want) {
			t.Fatalf("%d: appendJSONContent(%q) = %s, want %s", i, s, got, want)
		}
	}
}

// jsonStopsUTF8 is exact: true when, and only when, a byte is below 0x20,
// '"', '\\' or 0xE2.
func TestJSONStopsUTF8(t *testing.T) {
	checkWordTest(t, "jsonStopsUTF8", jsonStopsUTF8, "\"\\\xe2\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"+
		"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")
}

// genFeed builds a site of 50 posts as feedpub gen writes them (what the
// cold build benchmarks build: mostly Chinese) and returns its builder and
// the all-posts channel.
func genFeed(b *testing.B) (*Builder, *channel) {
	bl, err := NewBuilder(Config{URL: "https://news.example.com/"})
	if err != nil {
		b.Fatal(err)
	}
	site, err := bl.Build(genPosts(b), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	return bl, site.channels[0]
}

// genPosts are 50 posts as feedpub gen writes them, read.
func genPosts(b *testing.B) []*loader.Post {
	dir := b.TempDir()
	if err := gen.Write(context.Background(), dir, 50, gen.Options{Cats: 20, Size: 8 << 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	res, err := loader.New(loader.Config{Root: dir}).Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return res.Posts
}

// BenchmarkSanitizeFast sanitises the bodies of genPosts.
func BenchmarkSanitizeFast(b *testing.B) {
	posts := genPosts(b)
	n := 0
	for _, p := range posts {
		n += len(p.Body)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, p := range posts {
			if _, ok := sanitizeFast(p.Body); !ok {
				b.Fatal("a generated body not taken by sanitizeFast")
			}
		}
	}
}

// benchContents are the prepared contents of genFeed's posts.
func benchContents(b *testing.B) []string {
	bl, ch := genFeed(b)
	var out []string
	for _, it := range ch.items {
		out = append(out, bl.r.prepare(it, false).content)
	}
	return out
}

// BenchmarkContentEncoders writes the contents of 50 posts as feeds
// write them: jsonString, by the general JSON string appender;
// jsonContent, by the one for prepared content; atom, escaped.
func BenchmarkContentEncoders(b *testing.B) {
	contents := benchContents(b)
	n := 0
	for _, s := range contents {
		n += len(s)
	}
	for _, bc := range []struct {
		name string
		f    func([]byte, string) []byte
	}{{"jsonString", appendJSONString}, {"jsonContent", appendJSONContent}, {"atom", appendContent}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(n))
			buf := make([]byte, 0, 2*n)
			for b.Loop() {
				for _, s := range contents {
					buf = bc.f(buf[:0], s)
				}
			}
		})
	}
}

// randomPage is random text of valid UTF-8 (randomUTF8) with, now and
// then, invalid bytes and the pieces of the sequences maybeBadForHTML
// looks for.
func randomPage(rnd *rand.Rand) []byte {
	pieces := []string{"\xc2", "\xef", "\xb7", "\xbf", "\xbe", "\xef\xb7", "\xef\xbf", "\xf0\x9f", "\x80", "\xff", "\xed\xa0\x80"}
	var b []byte
	for range rnd.IntN(8) {
		b = append(b, randomUTF8(rnd, rnd.IntN(6))...)
		if rnd.IntN(3) == 0 {
			b = append(b, pieces[rnd.IntN(len(pieces))]...)
		}
	}
	return b
}

// maybeBadForHTML is true for every page htmlChars changes, and exactly
// when a byte starts a sequence badAt names (badPairs misses none).
func TestMaybeBadForHTML(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	bad := 0
	for i := range 50000 {
		b := randomPage(rnd)
		want := dropBadForHTML(bytes.Clone(b))
		maybe := maybeBadForHTML(b)
		if !bytes.Equal(want, b) {
			bad++
			if !maybe {
				t.Fatalf("%d: maybeBadForHTML(%q) = false, but htmlChars drops from it", i, b)
			}
		}
		exact := false
		for j := range b {
			exact = exact || badAt(b, j)
		}
		if maybe != exact {
			t.Fatalf("%d: maybeBadForHTML(%q) = %v, want %v", i, b, maybe, exact)
		}
		if got := htmlChars(bytes.Clone(b)); !bytes.Equal(got, want) {
			t.Fatalf("%d: htmlChars(%q) = %q, want %q", i, b, got, want)
		}
	}
	if bad < 1000 {
		t.Errorf("only %d pages of 50000 hold characters htmlChars drops: the test no longer tests it", bad)
	}
}

// BenchmarkMaybeBadForHTML looks at the pages of genFeed's posts.
func BenchmarkMaybeBadForHTML(b *testing.B) {
	bl, ch := genFeed(b)
	var pages [][]byte
	n := 0
	for _, it := range ch.items {
		pg, err := bl.r.renderPost(it, bl.r.prepare(it, true), it, it, bufs{})
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, pg)
		n += len(pg)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, pg := range pages {
			if maybeBadForHTML(pg) {
				b.Fatal("a bad character in a generated page")
			}
		}
	}
}

// checkWordTest fails unless test(word(w)) is true exactly when w holds
// one of the bytes of stops: on every byte at every place among others,
// and on random words.
func checkWordTest(t *testing.T, name string, test func(uint64) bool, stops string) {
	t.Helper()
	check := func(w []byte) {
		t.Helper()
		want := false // bytes, not runes, as ContainsAny reads them
		for _, c := range w {
			want = want || strings.IndexByte(stops, c) >= 0
		}
		if got := test(word(string(w))); got != want {
			t.Fatalf("%s(%q) = %v, want %v", name, w, got, want)
		}
	}
	for c := range 256 {
		for at := range 8 {
			for _, fill := range []byte{'a', ' ', 0x3a, 0x3f, 0x25, 0x2a, 0x80, 0xe3, 0xff} {
				w := bytes.Repeat([]byte{fill}, 8)
				w[at] = byte(c)
				check(w)
			}
		}
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	for range 100000 {
		var w [8]byte
		for i := range w {
			w[i] = byte(rnd.IntN(256))
		}
		check(w[:])
	}
}

// contentStops and escapedStops are exact, and appendContent and
// appendEscaped escape what a byte at a time escapes.
func TestContentStops(t *testing.T) {
	checkWordTest(t, "contentStops", contentStops, "&<>\r")
	checkWordTest(t, "escapedStops", escapedStops, "\x00\"&'+<>")
	content := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")
	escaped := strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")
	rnd := rand.New(rand.NewPCG(8, 8))
	for i := range 20000 {
		s := randomUTF8(rnd, rnd.IntN(40))
		if got, want := string(appendContent([]byte("x"), s)), "x"+content.Replace(s); got != want {
			t.Fatalf("%d: appendContent(%q) = %q, want %q", i, s, got, want)
		}
		if got, want := string(appendEscaped([]byte("x"), s)), "x"+escaped.Replace(s); got != want {
			t.Fatalf("%d: appendEscaped(%q) = %q, want %q", i, s, got, want)
		}
	}
}

// BenchmarkAppendEscaped escapes a sentence of English and one of Chinese,
// as pages write titles and summaries (html), and as Atom writes them
// (xml).
func BenchmarkAppendEscaped(b *testing.B) {
	for _, s := range []struct{ name, text string }{
		{"en", "Engineers said the new release cuts cold start time in half on small machines, and the 2025 figures (up 12%) were better than expected. "},
		{"zh", "江南城市商业银行对外发布绿色信贷专项计划，重点支持分布式光伏和工业节能改造项目。业内人士认为，地方银行熟悉区域产业结构。"},
	} {
		for _, f := range []struct {
			name string
			f    func([]byte, string) []byte
		}{{"html", appendEscaped}, {"xml", func(b []byte, s string) []byte { return appendXMLText(b, s, &xmlEscapes) }}} {
			b.Run(f.name+"-"+s.name, func(b *testing.B) {
				b.SetBytes(int64(len(s.text)))
				buf := make([]byte, 0, 2*len(s.text))
				for b.Loop() {
					buf = f.f(buf[:0], s.text)
				}
			})
		}
	}
}

// xmlWordStops is exact, and appendXMLText with xmlEscapes writes what
// encoding/xml's EscapeText writes, on text with runs of plain ASCII.
func TestXMLWordStops(t *testing.T) {
	var stops []byte
	for c := range 256 {
		if c < 0x20 || c >= 0x80 || strings.IndexByte(`"&'<>`, byte(c)) >= 0 {
			stops = append(stops, byte(c))
		}
	}
	checkWordTest(t, "xmlWordStops", xmlWordStops, string(stops))
	rnd := rand.New(rand.NewPCG(11, 11))
	for i := range 20000 {
		s := string(randomPage(rnd)) // with bytes that are no UTF-8
		var want bytes.Buffer
		if err := xml.EscapeText(&want, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if got := appendXMLText(nil, s, &xmlEscapes); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%d: appendXMLText(%q) = %q, want %q", i, s, got, want.Bytes())
		}
	}
}
