package feed

import (
	"context"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"feedpub/internal/gen"
	"feedpub/loader"
)

// bluemondaySanitize is newPolicy's bluemonday alone: what sanitize gave before
// sanitizeFast.
func bluemondaySanitize(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	return testPolicy.Sanitize(s)
}

// sanitize gives what bluemonday gives, on random bodies made of the
// elements sanitizeFast knows, links, text with every character it
// escapes, and what it must leave to bluemonday; and a good part of them
// take the fast path.
func TestSanitizeFast(t *testing.T) {
	r := &renderer{policy: newPolicy()}
	rnd := rand.New(rand.NewPCG(5, 6))
	var tags []string
	for e := range plainElements {
		tags = append(tags, "<"+e+">", "</"+e+">")
	}
	texts := []string{"x", "中文", " ", "\n", "\u3000", "\u00a0", "word ", " two words ", "'", "\"", ">", "<", "&", "&amp;", "&nbsp;", "\x00", "\r", "\t", "\xff", "]]>", "\u00a0", "src=x", " href=/y "}
	odd := []string{`<a href="https://example.com/a?b=1">`, `<a href="http://example.com/">`, `<a href="https://example.com/a b">`,
		`<a href="HTTPS://example.com/">`, `<a href="javascript:alert(1)">`, `<a href="/rel">`, `<a href="https://example.com/%zz">`,
		`<a href="https://例子.com/">`, `<a href="https://example.com/'">`, `<a>`, `</a>`, `<a href='https://example.com/'>`,
		`<P>`, `<br/>`, `<p class="x">`, `<p >`, `<!-- c -->`, `<script>`, `</script>`, `<style>`, `<img src="https://x/a.png">`,
		`<header>`, `<nav>`, `<kbd>`, `<textarea>`, `<title>`, `<p`, `</`, `<>`, `<<p>>`}
	fast := 0
	const n = 4000
	for i := range n {
		var b strings.Builder
		for range rnd.IntN(12) {
			switch k := rnd.IntN(10); {
			case k < 4:
				b.WriteString(tags[rnd.IntN(len(tags))])
			case k < 9:
				b.WriteString(texts[rnd.IntN(len(texts))])
			default:
				b.WriteString(odd[rnd.IntN(len(odd))])
			}
		}
		body := b.String()
		if out, ok := sanitizeFast(body); ok {
			fast++
			checkPlainTextFast(t, out)
			checkAbsolute(t, body)
		}
		if got, want := r.sanitize(body), bluemondaySanitize(body); got != want {
			t.Fatalf("body %d %q: got %q, want bluemonday's %q", i, body, got, want)
		}
	}
	if fast < n/5 {
		t.Errorf("%d of %d bodies took the fast path: the test no longer tests it", fast, n)
	}
}

// The bodies feedpub gen writes (what the benchmarks build) take the fast
// path, with bluemonday's result.
func TestSanitizeFastGen(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(context.Background(), dir, 40, gen.Options{Cats: 20, Size: 6000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	res, err := loader.New(loader.Config{Root: dir}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) == 0 {
		t.Fatal("gen wrote no posts")
	}
	for _, p := range res.Posts {
		got, ok := sanitizeFast(p.Body)
		if !ok {
			t.Errorf("%s: not taken by the fast path", p.Path)
		} else if want := bluemondaySanitize(p.Body); got != want {
			t.Errorf("%s: got %q, want %q", p.Path, got, want)
		} else {
			checkPlainTextFast(t, got)
			checkAbsolute(t, p.Body)
		}
	}
}

// checkAbsolute fails unless absolutize keeps body, which sanitizeFast
// takes, as it is (renderer.absolutizeSanitize counts on it).
func checkAbsolute(t *testing.T, body string) {
	t.Helper()
	base, _ := url.Parse("https://example.com/posts/a/")
	if got := absolutize(body, base); got != body {
		t.Fatalf("absolutize(%q) = %q: sanitizeFast takes it, so it must stay as it is", body, got)
	}
}

// checkPlainTextFast fails unless plainTextFast reads the output of
// sanitizeFast as plainText does, cut at every length around its own, and
// both give the whole text cut (they stop reading after max characters).
func checkPlainTextFast(t *testing.T, out string) {
	t.Helper()
	whole := plainText(out, 1<<30)
	for _, max := range []int{0, 1, 2, 3, 5, 8, 13, 40, 140, 1 << 20} {
		got, want := plainTextFast(out, max), plainText(out, max)
		if got != want {
			t.Fatalf("plainTextFast(%q, %d) = %q, plainText gives %q", out, max, got, want)
		}
		if cut := truncate(whole, max); want != cut {
			t.Fatalf("plainText(%q, %d) = %q, the whole text cut is %q", out, max, want, cut)
		}
	}
}

func TestIsSpace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if isSpace(r) != unicode.IsSpace(r) {
			t.Fatalf("isSpace(%U) = %v, unicode.IsSpace says %v", r, isSpace(r), unicode.IsSpace(r))
		}
	}
}

// truncate cuts as truncateRunes, which reads the text as characters, on
// random text with spaces, wide characters and bytes that are no UTF-8.
func TestTruncate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", " ", "中", "\xff", "\uFFFD", "  ", "bc", "\u3000", "\n"}
	for range 20000 {
		var b strings.Builder
		for range rnd.IntN(30) {
			b.WriteString(parts[rnd.IntN(len(parts))])
		}
		s, max := b.String(), rnd.IntN(25)
		if got, want := truncate(s, max), truncateRunes(s, max); got != want {
			t.Fatalf("truncate(%q, %d) = %q, want %q", s, max, got, want)
		}
	}
}

// What plainURL takes, url.Parse reads as an http(s) URL and writes back
// as it is, on random URLs of the characters that matter to either.
func TestPlainURL(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 10))
	heads := []string{"https://", "http://", "HTTP://", "https:", "https:/", "ftp://", ""}
	chars := "aZ09-._~/:@%?#+ !"
	taken := 0
	for range 50000 {
		var b strings.Builder
		b.WriteString(heads[rnd.IntN(len(heads))])
		for range rnd.IntN(12) {
			b.WriteByte(chars[rnd.IntN(len(chars))])
		}
		v := b.String()
		if !plainURL(v) {
			continue
		}
		taken++
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.String() != v {
			t.Fatalf("plainURL(%q) = true, but url.Parse gives %v, %v", v, u, err)
		}
	}
	if taken < 1000 {
		t.Errorf("plainURL took %d URLs: the test no longer tests it", taken)
	}
}

// words gathers what a range over the text, rune by rune, gathers: words
// one space apart, U+FFFD for a byte that is no UTF-8, stopping after the
// character past max; on random text of every kind of space.
func TestWords(t *testing.T) {
	byRune := func(texts []string, max int) string {
		var b strings.Builder
		n, space := 0, false
		for _, text := range texts {
			for _, r := range text {
				if n > max {
					break
				}
				if unicode.IsSpace(r) {
					space = true
					continue
				}
				if space && b.Len() > 0 {
					b.WriteByte(' ')
					n++
				}
				space = false
				b.WriteRune(r)
				n++
			}
		}
		return b.String()
	}
	rnd := rand.New(rand.NewPCG(13, 14))
	parts := []string{"a", " ", "\t", "\n", "\v", "中文", "，", "\u3000", "\u3001", "\u00a0", "\u0085", "\u1680", "\u2003", "\u2028",
		"\u202f", "\u205f", "\xff", "\xe4\xb8", "\xe3\x80", "\U0001F600", "é", "\ufffd"}
	for range 20000 {
		texts := make([]string, 1+rnd.IntN(3))
		for k := range texts {
			var b strings.Builder
			for range rnd.IntN(8) {
				b.WriteString(parts[rnd.IntN(len(parts))])
			}
			texts[k] = b.String()
		}
		max := rnd.IntN(12)
		w := words{max: max}
		for _, text := range texts {
			w.add(text)
		}
		if want := byRune(texts, max); string(w.buf) != want {
			t.Fatalf("words of %q, max %d: %q, want %q", texts, max, w.buf, want)
		}
	}
}
