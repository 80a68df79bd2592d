package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"feedpub/internal/validate"
)

// keptContent is the content of the item titled title in each feed of
// the category x and of all posts, each feed checked (strict XML, gofeed,
// its format's rules) and parsed back with gofeed; "" where it has none.
func keptContent(t *testing.T, out, title string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, dir := range []string{"", "categories/x/"} {
		for format, file := range validate.Formats {
			name := dir + file
			data, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			opt := validate.Options{SelfURL: "http://127.0.0.1:8080/" + name, TTL: 60, Language: "zh-CN"}
			if _, errs := validate.Check(format, data, opt); len(errs) > 0 {
				t.Fatalf("%s: %v", name, errs)
			}
			f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, it := range f.Items {
				if it.Title == title {
					got[name] = it.Content
				}
			}
		}
	}
	return got
}

// TestBuildKeepsBrokenPostWhole: a post published, then broken (its front
// matter, or its file caught empty), stays in the feeds whole (its
// content too, not its title alone) when they are made again for another
// post, and its page stays; fixed, its new version is published; deleted,
// it leaves.
func TestBuildKeepsBrokenPostWhole(t *testing.T) {
	for _, tc := range []struct{ name, broken, line string }{
		{"front matter", "---\ntitle: [unclosed\ndate: 2024-01-01\n---\nx\n", "a.md:3: "},
		{"empty", "", "a.md:1: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			seeds, out := filepath.Join(base, "seeds"), filepath.Join(base, "out")
			os.MkdirAll(seeds, 0o755)
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(seeds, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("a.md", "---\ntitle: A\ndate: 2024-01-01 08:00\ncategories: [x]\n---\nThe **first** text, [linked](/rel/).\n")
			write("b.md", "---\ntitle: B\ndate: 2024-01-02 08:00\ncategories: [x]\n---\nB's text.\n")
			age(t, seeds, 0)
			buildInto(t, seeds, out)
			first := keptContent(t, out, "A")
			if len(first) != 6 || !strings.Contains(first["atom.xml"], "<strong>first</strong>") {
				t.Fatalf("first build: got the content %q, want A's in 6 feeds", first)
			}
			page := filepath.Join(out, "posts", "a", "index.html")
			firstPage, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}

			write("a.md", tc.broken)
			// B's new title makes the feeds and A's page (which links to
			// B by its title) be made again.
			write("b.md", "---\ntitle: B2\ndate: 2024-01-02 08:00\ncategories: [x]\n---\nB's new text.\n")
			age(t, seeds, 1)
			_, stderr := buildInto(t, seeds, out)
			if !strings.Contains(stderr, tc.line) || !strings.Contains(stderr, "last good version stays published") {
				t.Errorf("broken: got stderr %q, want the problem at %s reported", stderr, tc.line)
			}
			if got := keptContent(t, out, "A"); !equalMaps(got, first) {
				t.Errorf("broken: got A's content\n%q\nwant the first build's\n%q", got, first)
			}
			if got := keptContent(t, out, "B2"); len(got) != 6 {
				t.Errorf("broken: B's new version in %d feeds, want 6", len(got))
			}
			pageNow, err := os.ReadFile(page)
			if err != nil {
				t.Fatalf("broken: A's page: %v", err)
			}
			if !bytes.Contains(pageNow, []byte("<strong>first</strong>")) || !bytes.Contains(pageNow, []byte("B2")) ||
				bytes.Equal(pageNow, firstPage) {
				t.Errorf("broken: A's page, made again for B's title, lost its content or kept B's old title:\n%s", pageNow)
			}

			write("a.md", "---\ntitle: A\ndate: 2024-01-01 08:00\ncategories: [x]\n---\nThe **fixed** text.\n")
			age(t, seeds, 2)
			buildInto(t, seeds, out)
			for name, c := range keptContent(t, out, "A") {
				if !strings.Contains(c, "<strong>fixed</strong>") {
					t.Errorf("fixed: %s carries %q, want the new version", name, c)
				}
			}

			os.Remove(filepath.Join(seeds, "a.md"))
			age(t, seeds, 3)
			buildInto(t, seeds, out)
			if got := keptContent(t, out, "A"); len(got) != 0 {
				t.Errorf("deleted: A is still in %v", got)
			}
			if _, err := os.Stat(page); err == nil {
				t.Errorf("deleted: A's page is still there")
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestBuildKeptContentTorn: build refuses a torn segment of the content
// kept when it needs it, saying so, and keeps what it held anew: a post
// that breaks later is whole.
func TestBuildKeptContentTorn(t *testing.T) {
	base := t.TempDir()
	seeds, out := filepath.Join(base, "seeds"), filepath.Join(base, "out")
	os.MkdirAll(seeds, 0o755)
	write := func(name, body string, step int) {
		if err := os.WriteFile(filepath.Join(seeds, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		age(t, seeds, step)
	}
	post := func(title, day, text string) string {
		return "---\ntitle: " + title + "\ndate: 2024-01-0" + day + " 08:00\ncategories: [x]\n---\n" + text + "\n"
	}
	write("a.md", post("A", "1", "A's text."), 0)
	write("b.md", post("B", "2", "B's text."), 0)
	write("c.md", post("C", "3", "C's **text**."), 0)
	buildInto(t, seeds, out)
	want := keptContent(t, out, "C")
	seg := filepath.Join(out, ".feedpub", "bodies.0")
	raw, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	os.WriteFile(seg, raw, 0o644)

	// a caught empty while b changes: a's content is asked for, and the
	// segment that holds it (and c's) found torn.
	write("a.md", "", 1)
	write("b.md", post("B", "2", "B's new text."), 1)
	_, stderr := buildInto(t, seeds, out)
	if !strings.Contains(stderr, "kept content .feedpub/bodies.0 refused: bad checksum") {
		t.Errorf("got stderr %q, want the torn segment refused", stderr)
	}
	write("c.md", "---\ntitle: [broken\n", 2)
	write("a.md", post("A", "1", "A's new text."), 2)
	buildInto(t, seeds, out)
	if got := keptContent(t, out, "C"); !equalMaps(got, want) {
		t.Errorf("C broken after the store was kept anew: got %q, want %q", got, want)
	}
}
