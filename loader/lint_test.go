package loader

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLint(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	day := time.Date(2024, 1, 2, 8, 0, 0, 0, time.UTC)
	files := map[string]string{
		"a.md": "---\ntitle: Same\n---\n<a href=\"docs/x.html\">x</a> <a href=\"#top\">top</a> <a href=\"mailto:a@b.c\">m</a>\n<a href=\"ftp://e.x/f\">f</a>\n<img src=\"https://e.x/a.png\">\n<img src=\"https://e.x/b.png\" width=\"1\" height=\"1\">\n",
		"b.md": "---\ntitle: Same\n---\nok\n",
		"c.md": "---\ntitle: Same\n---\nthe next day\n",
		"d.md": "---\ntitle: Later\ndate: 2030-01-01\n---\n",
		"e.md": "---\ntitle: Draft\n---\n<a href=\"x\">x</a>",
	}
	posts := []*Post{
		{Path: "a.md", Title: "Same", Date: day, Body: strings.SplitN(files["a.md"], "---\n", 3)[2]},
		{Path: "b.md", Title: "Same", Date: day.Add(time.Hour), Body: "ok"},
		{Path: "c.md", Title: "Same", Date: day.Add(24 * time.Hour), Body: "the next day"},
		{Path: "d.md", Title: "Later", Date: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Path: "e.md", Title: "Draft", Date: day, Draft: true, Body: `<a href="x">x</a>`},
	}
	var got []string
	for _, p := range Lint(posts, func(p string) []byte { return []byte(files[p]) }, time.UTC, now) {
		if !p.Warn {
			t.Errorf("%v: not a warning", p)
		}
		got = append(got, fmt.Sprintf("%s:%d: %s", p.Path, p.Line, strings.SplitN(p.Msg, ":", 2)[0]))
	}
	want := []string{
		`a.md:4: relative link "docs/x.html"`,
		`a.md:5: link "ftp`,
		`a.md:6: image "https`,
		`b.md:2: title "Same" is also the title of a.md on 2024-01-02`,
		`d.md:3: date 2030-01-01 00`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
