package loader

import (
	"fmt"
	"strings"
	"testing"
)

// Front matter too deep, too large, or whose aliases expand too far is
// rejected, each with a message of its own in the user's terms.
func TestYAMLShapeMessages(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "k%d: v\n", i)
		}
		return b.String()
	}
	for _, tc := range []struct{ name, front, want string }{
		{"mapping 9000 deep", "x: " + strings.Repeat("{a: ", 9000) + "1" + strings.Repeat("}", 9000) + "\n",
			"a.md:4: front matter nests lists and mappings more than 64 levels deep (the limit is 64)"},
		{"list 20000 deep", "x: " + strings.Repeat("[", 20000) + "1" + strings.Repeat("]", 20000) + "\n",
			"a.md:2: front matter nests lists and mappings more than 64 levels deep (the limit is 64)"},
		{"20000 keys", many(20000), "a.md:5001: front matter holds more than 10000 keys, items and values (the limit is 10000): a post needs a few dozen"},
		{"list of 20000", "x: [" + strings.Repeat("1, ", 20000) + "1]\n", "a.md:4: front matter holds more than 10000 keys, items and values (the limit is 10000): a post needs a few dozen"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d]\n",
			"a.md:7: d: YAML aliases (*name) expand to more than 10000 values (an alias bomb?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("a.md", []byte("---\ntitle: t\ndate: 2024-01-01\n"+tc.front+"---\nbody\n"), Options{})
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
	ok := "x: " + strings.Repeat("[", MaxYAMLDepth-2) + "1" + strings.Repeat("]", MaxYAMLDepth-2) + "\n" + many(100)
	if _, _, err := Parse("a.md", []byte("---\ntitle: t\ndate: 2024-01-01\n"+ok+"---\nbody\n"), Options{}); err != nil {
		t.Errorf("front matter within the limits: %v", err)
	}
}
