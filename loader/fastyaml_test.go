package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// sameTree reports where a and b differ, "" when they do not: every
// field of every node but comments.
func sameTree(a, b *yaml.Node, at string) string {
	if a == nil || b == nil {
		if a != b {
			return at + ": one is nil"
		}
		return ""
	}
	fa := fmt.Sprintf("kind %d style %d tag %q value %q anchor %q line %d col %d items %d", a.Kind, a.Style, a.Tag, a.Value, a.Anchor, a.Line, a.Column, len(a.Content))
	fb := fmt.Sprintf("kind %d style %d tag %q value %q anchor %q line %d col %d items %d", b.Kind, b.Style, b.Tag, b.Value, b.Anchor, b.Line, b.Column, len(b.Content))
	if fa != fb {
		return fmt.Sprintf("%s: got %s, want %s", at, fa, fb)
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
			return d
		}
	}
	return ""
}

// checkFast fails t if fastYAML reads text other than yaml.v3 does, and
// reports whether it read it. Text that is not UTF-8, which parse refuses
// before any front matter is read, is not given to fastYAML.
func checkFast(t *testing.T, text string) bool {
	t.Helper()
	if !utf8.ValidString(text) {
		return false
	}
	got, ok := fastYAML([]byte(text))
	if !ok {
		return false
	}
	var want yaml.Node
	if err := yaml.Unmarshal([]byte(text), &want); err != nil {
		t.Fatalf("fastYAML read %q, which yaml.v3 refuses: %v", text, err)
	}
	if d := sameTree(got, &want, ""); d != "" {
		t.Fatalf("fastYAML(%q) differs from yaml.v3: %s", text, d)
	}
	return true
}

func TestFastYAML(t *testing.T) {
	fast := []string{
		"title: Hello\ndate: 2024-01-02 03:04:05\n",
		"title: 'it''s 金融'\ncategories: [a, '金融', \"c d\"]\n",
		"\n\ntitle: x\n\ncategories:\n - 'Science 33'\n - Design 87\nauthor: 江南财经观察\n",
		"tags:\ncategories:\n- x\n-  y\nb: c  \n",
		"draft: true\npublished: False\nn: 12\nf: 1.5e3\nh: 0x1F\nz: ~\nu: null\nd: 2024-01-02\nt: 2024-01-02T03:04:05+08:00\n",
		"date: Sat, 16 Oct 2021 17:55:00 GMT\nheadimg: 'https://picsum.photos/400/300?random=1'\nlink: https://a.example/x#y\n",
		"k: []\nl: [ a ,b ]\ntitle:   spaced   \n",
		"title: a [b] c\nx: a'b\ny: a\"b\n",
		"tags:   \n",
	}
	for _, s := range fast {
		if !checkFast(t, s) {
			t.Errorf("fastYAML left %q to yaml.v3; want it read", s)
		}
	}
	slow := []string{
		"# a comment\ntitle: x\n",
		"title: x # a comment\n",
		"title: |\n  block\n",
		"title: >\n  folded\n",
		"author:\n  name: x\n",
		"title: a\n  continued\n",
		"a: &x 1\nb: *x\n",
		"a: !!str 1\n",
		"a: \"esc\\n\"\n",
		"a: [[x, y], [z]]\n",
		"a: {b: c}\n",
		"a: 'open\n",
		"a: b: c\n",
		"- a\n- b\n",
		"a:\n  - x\n   - y\n",
		"a:\n  - x: y\n",
		"a: .inf\n",
		"a: -1\n",
		"a:\tb\n",
		"1: a\n",
		"a :b\n",
		"a:b\n",
		"<<: x\n",
		"",
		"\n\n",
		"a: [x,]\n",
		"a: [x, y] z\n",
	}
	for _, s := range slow {
		if checkFast(t, s) {
			t.Errorf("fastYAML read %q; want it left to yaml.v3", s)
		}
	}
}

// The front matter of every post the repository holds (the seeds, the
// hostile corpus, the dialects' sites) reads the same through fastYAML as
// through yaml.v3, where fastYAML reads it; and it reads the gen posts'.
func TestFastYAMLCorpus(t *testing.T) {
	read := 0
	for _, root := range []string{"../seeds", "../testdata", "testdata"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !IsPostFile(d.Name()) {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			p := &parser{name: path}
			text := strings.ReplaceAll(string(data), "\r\n", "\n")
			fm, _, err := p.split([]byte(text))
			if err != nil || fm.kind != fmYAML {
				return nil
			}
			if checkFast(t, string(fm.text)) {
				read++
			}
			return nil
		})
	}
	if read == 0 {
		t.Error("fastYAML read no post of the repository")
	}
	t.Logf("fastYAML read %d posts' front matter", read)
}

func FuzzFastYAML(f *testing.F) {
	for _, s := range []string{
		"title: 'it''s'\ncategories: [a, 'b c']\n",
		"categories:\n - x\n - 'y'\ndate: 2024-01-02\n",
		"a: 1\nb: true\nc: ~\nd:\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFast(t, s)
	})
}
