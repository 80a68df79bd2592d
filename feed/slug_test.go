package feed

import (
	"strings"
	"testing"
	"unicode"
)

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"金融", "金融"},
		{"Open Source", "open-source"},
		{"  Open   Source  ", "open-source"},
		{"ＯＰＥＮ ｓｏｕｒｃｅ", "open-source"}, // full width folds
		{"C++", "c++"},
		{"a/b\\c", "a-b-c"},
		{"证券时报网", "证券时报网"},
		{"科技 / AI", "科技-ai"},
		{"Ünïcödé", "ünïcödé"},
		{"עברית", "עברית"},
		{"x\x00y\ny", "x-y-y"},
		{"100%", "100"},
		{"node.js", "node.js"},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSlugNeverUnsafe(t *testing.T) {
	for _, in := range []string{"", ".", "..", "...", "/", "../../x", "🎉", "?#%", strings.Repeat("长", 300), strings.Repeat("a", 300), "\x00", " . "} {
		got := Slug(in)
		if got == "" || got == "." || got == ".." || len(got) > maxSlug {
			t.Errorf("Slug(%q) = %q: empty, a dot name, or over %d bytes", in, got, maxSlug)
		}
		for _, r := range got {
			if r == '/' || r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) {
				t.Errorf("Slug(%q) = %q holds %q", in, got, r)
			}
		}
	}
	if Slug(strings.Repeat("a", 300)) == Slug(strings.Repeat("a", 301)) {
		t.Error("long names that differ share a slug")
	}
}
