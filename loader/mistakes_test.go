package loader

import (
	"strings"
	"testing"
)

// A value that is most likely a mistake is read as far as it can be, with
// a warning at its line; what is right draws none.
func TestMistakesWarned(t *testing.T) {
	tests := []struct {
		yaml  string
		draft bool
		warn  string // "" for none
	}{
		{"draft: true", true, ""},
		{"draft: false", false, ""},
		{"published: false", true, ""},
		{"draft: yes", true, `draft: "yes" is not a boolean: read as true`},
		{"draft: \"true\"", true, `draft: "true" is not a boolean: read as true`},
		{"draft: 1", true, `draft: "1" is not a boolean: read as true`},
		{"draft: 0", false, `draft: "0" is not a boolean: read as false`},
		{"draft: maybe", false, `draft: "maybe" is not true or false: ignored`},
		{"draft: [x]", false, "draft: not true or false: ignored"},
		{"published: no", true, `published: "no" is not a boolean: read as false`},
		{"link: https://example.com/a", false, ""},
		{"link: /about/", false, ""},
		{"link: javascript:alert(1)", false, `link "javascript:alert(1)" is not an http(s) URL`},
		{"permalink: ftp://example.com/a", false, `link "ftp://example.com/a" is not an http(s) URL`},
		{"link: 'http://'", false, `is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			p, probs, err := Parse("p.md", []byte("---\ntitle: x\ndate: 2024-01-20\n"+tt.yaml+"\n---\nbody"), Options{Location: testZone})
			if err != nil {
				t.Fatal(err)
			}
			if p.Draft != tt.draft {
				t.Errorf("got draft %v, want %v", p.Draft, tt.draft)
			}
			var got []string
			for _, pr := range probs {
				got = append(got, pr.Error())
			}
			switch {
			case tt.warn == "" && len(got) > 0:
				t.Errorf("got warnings %q, want none", got)
			case tt.warn != "" && (len(got) != 1 || !strings.HasPrefix(got[0], "p.md:4: warning: ") || !strings.Contains(got[0], tt.warn)):
				t.Errorf("got %q, want one warning at line 4 with %q", got, tt.warn)
			}
		})
	}
}
