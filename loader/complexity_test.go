package loader

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// accepted are the shapes of hostileShapes that ordinary posts have: they
// must be read whatever their size (up to MaxParagraph per paragraph).
var acceptedShapes = map[string]bool{
	"prose": true, "list-items": true, "table": true, "code": true, "html-table": true,
	"html-open": true, "nested-indent": true,
}

const complexHead = "---\ntitle: t\ndate: 2024-01-01\n---\n"

// Markdown whose reading grows faster than its size is rejected as
// path:line: too complex, before goldmark sees it, whether the body is
// kept or read later (NoBody); ordinary Markdown of the same size is read.
func TestMarkdownTooComplex(t *testing.T) {
	for name, shape := range hostileShapes() {
		t.Run(name, func(t *testing.T) {
			data := []byte(complexHead + shape(256<<10))
			for _, noBody := range []bool{false, true} {
				post, _, err := Parse("dir/a.md", data, Options{NoBody: noBody})
				if acceptedShapes[name] {
					if err != nil {
						t.Fatalf("NoBody %v: got %v, want the post read", noBody, err)
					}
					continue
				}
				prob, ok := err.(*Problem)
				if !ok || post != nil {
					t.Fatalf("NoBody %v: got post %v, error %v; want a Problem", noBody, post != nil, err)
				}
				if !strings.Contains(prob.Msg, "too complex") || prob.Line < 5 || prob.Path != "dir/a.md" {
					t.Errorf("NoBody %v: got %q, want dir/a.md:5 or later: too complex ...", noBody, prob.Error())
				}
			}
			// The same text as .html is not Markdown: never measured.
			if _, _, err := Parse("dir/a.html", data, Options{}); err != nil && !acceptedShapes[name] && strings.Contains(err.Error(), "too complex") {
				t.Errorf("an HTML post was measured as Markdown: %v", err)
			}
		})
	}
}

// The figures of the issue: 50,000 × "[a](" (200 KB) took 15 s to check.
func TestMarkdownUnclosedLinksRejected(t *testing.T) {
	data := []byte(complexHead + strings.Repeat("[a](", 50000))
	_, _, err := Parse("post.md", data, Options{})
	if err == nil || err.Error() != "post.md:5: too complex to read as Markdown: too many links whose ( or < is never closed on their line (each is read again to the line's end); close them, or split the text with blank lines" {
		t.Fatalf("got %v", err)
	}
	deep := []byte(complexHead + "text\n\n" + strings.Repeat("> ", 40) + "deep\n")
	_, _, err = Parse("post.md", deep, Options{})
	if err == nil || err.Error() != "post.md:7: too complex to read as Markdown: block quotes and lists nested 40 deep on one line (the limit is 32)" {
		t.Fatalf("got %v", err)
	}
	ok := []byte(complexHead + strings.Repeat("> ", MaxMarkdownNesting) + "deep\n\n```\n" + strings.Repeat("[a](", 50000) + "\n```\n")
	if _, _, err := Parse("post.md", ok, Options{}); err != nil {
		t.Fatalf("nesting at the limit, and unclosed links in a code block: %v", err)
	}
}

// FuzzMarkdownTime reads a pattern repeated to 64 KB (and each line of it
// as its own paragraph) and fails when that takes more than a generous
// bound per byte: the shape of a post whose reading grows faster than its
// size. Run it with make fuzz; plain go test replays the seeds.
func FuzzMarkdownTime(f *testing.F) {
	for _, s := range []string{"[a](", "![a](", "[a](<", "[a](\n", ">", "> - ", "- ", "*a", "a**b_", "*a\n",
		"[a](b '\n", "[a](b (\n", "[a]: b\n[a]", "a\n", "[^a", "<a ", "a <!-- b\n", "a <b c=\"\n", "`a``", "|a\n|-\n|x\n",
		"**a** ", "- item *x*\n", "上海*金融*\n", "<div>\n"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, pattern []byte, paragraphs bool) {
		if len(pattern) == 0 || len(pattern) > 256 {
			return
		}
		body := bytes.Repeat(pattern, (64<<10)/len(pattern))
		if paragraphs {
			body = bytes.ReplaceAll(body, []byte("\n"), []byte("\n\n"))
		}
		data := append([]byte(complexHead), body...)
		start := time.Now()
		Parse("a.md", data, Options{})
		d := time.Since(start)
		perByte := d / time.Duration(len(data))
		// Ordinary Markdown reads at well under a microsecond a byte; what
		// the budget lets through, a few. 50 µs a byte (3 s for 64 KB),
		// past a floor for a busy machine, is a construct it misses.
		if !raceEnabled && d > time.Second && perByte > 50*time.Microsecond {
			t.Fatalf("%d bytes of %q read in %v: %v a byte", len(data), pattern, d, perByte)
		}
		t.Logf("%d bytes in %v: %v a byte", len(data), d, perByte)
	})
}

// BenchmarkMarkdownShapes prints the time per byte of each shape at 256 KB,
// rejected or read: every one is linear in its size.
func BenchmarkMarkdownShapes(b *testing.B) {
	for _, name := range sortedKeys(hostileShapes()) {
		data := []byte(complexHead + hostileShapes()[name](256<<10))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Parse("a.md", data, Options{})
			}
		})
	}
}
