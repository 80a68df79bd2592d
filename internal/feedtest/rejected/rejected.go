// Package rejected is the one table of posts that feedpub must reject,
// shared by the tests of the loader and of the commands. It imports nothing
// of feedpub, so the loader's own tests can use it.
package rejected

import (
	"fmt"
	"strings"
)

// billionLaughs is the classic alias bomb: nine levels of nine aliases,
// 9^9 strings once expanded, a few hundred bytes as written.
const billionLaughs = `---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
title: lol
date: 2024-01-01
---
body
`

// A Post is a file the loader must reject: at Line, with a message
// containing Want.
type Post struct {
	Name, Text string
	Line       int
	Want       string
}

// Posts are files every one of which must be rejected: every command
// reports each as path:line: message and publishes the rest.
var Posts = []Post{
	{"no-front-matter.md", "Just a body.\n", 1, "no front matter"},
	{"body-first.md", "\n\nintro\n---\ntitle: x\n---\n", 3, "no front matter"},
	{"unclosed.md", "---\ntitle: x\ndate: 2024-01-01\n\nbody without end\n", 1, "unclosed front matter"},
	{"unclosed-late.md", "\n\n---\ntitle: x\n", 3, "unclosed front matter"},
	{"malformed.md", "---\ntitle: x\ndate: [2024\n---\nbody\n", 3, "malformed YAML"},
	{"malformed-key.md", "---\ntitle: x\ndate: 2024-01-01\n- item\n---\n", 4, "did not find expected key"},
	{"malformed-flow-map.md", "---\ntitle: x\ndate: 2024-01-01\nauthor: {name: a\n---\n", 4, "malformed YAML"},
	{"malformed-first-line.md", "---\n[a\n---\n", 3, "malformed YAML"},
	{"malformed-colon.md", "---\ntitle: ok\nfoo: : bar\n---\n", 3, "malformed YAML"},
	{"malformed-tab.md", "---\ntitle: x\ndate: 2024-01-01\n\tfoo: [\n---\n", 3, "malformed YAML"},
	{"too-deep.md", "---\ntitle: " + strings.Repeat("[", 20000) + "\n---\n", 2, "more than 64 levels deep"},
	{"root-list.md", "---\n- title\n- date\n---\nbody\n", 2, "must be a mapping"},
	{"root-scalar.md", "---\njust a string\n---\nbody\n", 2, "must be a mapping"},
	{"alias-bomb.md", billionLaughs, 6, "alias bomb"},
	{"alias-loop.md", "---\na: &a [*a]\ntitle: x\ndate: 2024-01-01\n---\n", 2, "alias bomb"},
	{"empty.md", "", 1, "empty file"},
	{"blank.md", " \n\r\n\t\n", 1, "empty file"},
	{"bad-date.md", "---\ntitle: x\ndate: yesterday\n---\n", 3, "cannot read date"},
	{"bad-date-year.md", "---\ntitle: x\ndate: 0001-01-01\n---\n", 3, "out of range"},
	{"bad-date-list.md", "---\ntitle: x\ndate: [2024-01-01]\n---\n", 3, "date must be text"},
	{"empty-date.md", "---\ntitle: x\ndate:\n---\n", 3, "date is empty"},
	{"title-list.md", "---\ntitle: [a, b]\ndate: 2024-01-01\n---\n", 2, "title must be text, not a list"},
	{"title-map.md", "---\ndate: 2024-01-01\ntitle:\n  en: x\n---\n", 4, "title must be text, not a mapping"},
	{"title-twice.md", "---\ntitle: x\ndate: 2024-01-01\ntitle: y\n---\n", 4, "title given twice (first on line 2)"},
	{"no-date.md", "---\ntitle: x\n---\nbody\n", 2, "no date"},
	{"latin1.md", "---\ntitle: caf\xe9 cr\xe8me\ndate: 2024-01-01\n---\n", 2, "not valid UTF-8"},
	{"binary.txt", "---\ntitle: x\ndate: 2024-01-01\n---\n\x00\x01\xff\xfe\x80\x81", 5, "not valid UTF-8"},
	{"categories-map.md", "---\ntitle: x\ndate: 2024-01-01\ncategories: {a: b}\n---\n", 4, "categories must be a name or a list"},
	{"categories-deep.md", "---\ntitle: x\ndate: 2024-01-01\ncategories: [[a, [b]]]\n---\n", 4, "a list inside a list"},
	{"too-many-categories.md", "---\ntitle: x\ndate: 2024-01-01\ncategories: [" + ManyNames(300) + "]\n---\n", 4, "more than 256"},
}

// ManyNames is a flow list of n category names, c0 to c(n-1).
func ManyNames(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("c%d", i)
	}
	return strings.Join(s, ", ")
}
