package loader

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"feedpub/internal/feedtest/rejected"
)

// Fuzz targets: go test -fuzz=FuzzParse ./loader/ (and FuzzParseDate,
// FuzzCategories). Crashers land in testdata/fuzz/<target>/ and are
// replayed by every plain go test run.

// addSeeds adds every post of the bundled seed folder and every bad post
// of bad_test.go to f's corpus.
func addSeeds(f *testing.F, add func(name string, data []byte)) {
	f.Helper()
	err := filepath.WalkDir("../seeds", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsPostFile(d.Name()) {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			add(d.Name(), data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, tc := range badPosts {
		add(tc.Name, []byte(tc.Text))
	}
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

func FuzzParse(f *testing.F) {
	exts := []string{".md", ".txt", ".html", ".markdown"}
	addSeeds(f, func(name string, data []byte) {
		f.Add(uint8(0), data)
		if strings.HasSuffix(name, ".md") {
			f.Add(uint8(1), data)
		}
	})
	f.Fuzz(func(t *testing.T, ext uint8, data []byte) {
		name := "dir/post" + exts[int(ext)%len(exts)]
		post, warns, err := Parse(name, data, Options{Location: shanghai})
		for _, w := range warns {
			checkProblem(t, name, w, true)
		}
		if err != nil {
			if post != nil {
				t.Fatalf("got a post beside error %v", err)
			}
			prob, ok := err.(*Problem)
			if !ok {
				t.Fatalf("got error %T %v, want *Problem", err, err)
			}
			checkProblem(t, name, prob, false)
			return
		}
		checkPost(t, post)
	})
}

// checkProblem checks that a problem names the file and a line in the
// form path:line: message.
func checkProblem(t *testing.T, name string, p *Problem, warn bool) {
	t.Helper()
	if p.Path != name || p.Warn != warn || p.Line < 1 || p.Msg == "" {
		t.Fatalf("got problem %+v, want path %q, warn %v, a line and a message", p, name, warn)
	}
	if !problemForm.MatchString(p.Error()) || !utf8.ValidString(p.Error()) {
		t.Fatalf("got %q, want path:line: message in UTF-8", p.Error())
	}
}

// checkPost checks what every accepted post promises: text XML can carry,
// a title, a date with a four-digit year, categories without duplicates.
func checkPost(t *testing.T, p *Post) {
	t.Helper()
	texts := append([]string{p.Title, p.Body, p.Summary, p.Link, p.Image, p.Lang, p.Author.Name, p.Author.Email, p.Author.URL}, p.Categories...)
	texts = append(texts, p.Tags...)
	for _, s := range texts {
		if !utf8.ValidString(s) || StripInvalidXML(s) != s {
			t.Fatalf("got %q, which holds bytes XML cannot carry", s)
		}
	}
	if strings.TrimSpace(p.Title) == "" {
		t.Fatalf("got an empty title")
	}
	if y := p.Date.Year(); y < 1000 || y > 9999 {
		t.Fatalf("got date %v, want a four-digit year", p.Date)
	}
	if p.Updated.Before(p.Date) {
		t.Fatalf("got updated %v before date %v", p.Updated, p.Date)
	}
	checkNames(t, p.Categories)
	checkNames(t, p.Tags)
}

func checkNames(t *testing.T, names []string) {
	t.Helper()
	if len(names) > maxCategories {
		t.Fatalf("got %d names, want at most %d", len(names), maxCategories)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || n != strings.TrimSpace(n) || seen[n] {
			t.Fatalf("got names %q: empty, untrimmed or repeated", names)
		}
		seen[n] = true
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Sat, 16 Oct 2021 17:55:00 GMT", "Wed, 03 Nov 2021 09:20:00 GMT", "Sat, 16 Oct 2021 17:55:00 +0800",
		"Sat, 16 Oct 2021 17:55:00 CST", "16 Oct 2021 17:55:00 -0700", "2021-10-16T17:55:00Z",
		"2021-10-16T17:55:00.123456789+08:00", "2021-10-16T17:55", "2021-10-16 17:55:00", "2021-10-16 17:55",
		"2021-10-16", "2021/10/16 17:55", "2021-10-16 17:55:00 +0800", "0999-12-31", "10000-01-01",
		"yesterday", "", "2021-02-30", "2021-10-16 24:00",
	} {
		f.Add(s)
	}
	addSeeds(f, func(_ string, data []byte) {
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "date:"); ok {
				f.Add(strings.TrimSpace(v))
			}
		}
	})
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s, shanghai)
		if err != nil {
			if d != (time.Time{}) {
				t.Fatalf("got %v beside error %v", d, err)
			}
			if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
				t.Fatalf("got error %q, not UTF-8", err.Error())
			}
			return
		}
		if y := d.Year(); y < 1000 || y > 9999 {
			t.Fatalf("ParseDate(%q) = %v, want a four-digit year", s, d)
		}
		// What we accept we can write as RSS and Atom want, and read back.
		// (In UTC: zones of old dates have offsets in seconds, such as
		// Shanghai's +08:05:43 before 1901, which RFC 3339 cannot write.)
		for _, layout := range []string{time.RFC3339, time.RFC1123Z, time.RFC1123} {
			w := d.UTC().Format(layout)
			back, err := ParseDate(w, shanghai)
			if err != nil || !back.Equal(d.Truncate(time.Second)) {
				t.Fatalf("ParseDate(%q) = %v; written as %q it reads back as %v, %v", s, d, w, back, err)
			}
		}
	})
}

func FuzzCategories(f *testing.F) {
	for _, s := range []string{
		"金融", "[金融, 要闻]", "\n - 金融\n - 要闻", "[[科技, AI], [Open Source]]", "[a, a, A]", "''", "~", "[~, '']",
		"[ＡＩ, ai, Ai]", "../../etc", "[a/b, '/abs', \"nul\\0x\"]", "&x [a, *x]", "{a: b}", "[[a, [b]]]", "[" + rejected.ManyNames(300) + "]",
	} {
		f.Add(s)
	}
	addSeeds(f, func(_ string, data []byte) {
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			if v, ok := strings.CutPrefix(l, "categories:"); ok {
				for _, next := range lines[i+1:] {
					if !strings.HasPrefix(next, " ") {
						break
					}
					v += "\n" + next
				}
				f.Add(v)
			}
		}
	})
	f.Fuzz(func(t *testing.T, cats string) {
		text := "---\ntitle: t\ndate: 2024-01-20 08:00\ncategories: " + cats + "\n---\nbody\n"
		post, _, err := Parse("c.md", []byte(text), Options{})
		if err != nil {
			if _, ok := err.(*Problem); !ok {
				t.Fatalf("got error %T %v, want *Problem", err, err)
			}
			checkProblem(t, "c.md", err.(*Problem), false)
			return
		}
		checkPost(t, post)
	})
}
