package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testZone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"Sat, 16 Oct 2021 17:55:00 GMT", time.Date(2021, 10, 16, 17, 55, 0, 0, time.UTC)},
		{"Sat, 16 Oct 2021 17:55:00 +0800", time.Date(2021, 10, 16, 9, 55, 0, 0, time.UTC)},
		{"Sat, 2 Oct 2021 17:55:00 GMT", time.Date(2021, 10, 2, 17, 55, 0, 0, time.UTC)},
		{"2023-03-14T09:30:00+08:00", time.Date(2023, 3, 14, 1, 30, 0, 0, time.UTC)},
		{"2023-03-14T09:30:00Z", time.Date(2023, 3, 14, 9, 30, 0, 0, time.UTC)},
		{"2022-05-01 08:15:00", time.Date(2022, 5, 1, 8, 15, 0, 0, testZone)},
		{"2022-05-01 08:15", time.Date(2022, 5, 1, 8, 15, 0, 0, testZone)},
		{"2024-01-20", time.Date(2024, 1, 20, 0, 0, 0, 0, testZone)},
		{"  2024-01-20  ", time.Date(2024, 1, 20, 0, 0, 0, 0, testZone)},
		{"2023-03-14T09:30:00", time.Date(2023, 3, 14, 9, 30, 0, 0, testZone)},
		// An abbreviation Go does not know is read in the configured zone.
		{"Sat, 16 Oct 2021 17:55:00 CST", time.Date(2021, 10, 16, 17, 55, 0, 0, testZone)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in, testZone)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "yesterday", "2021-13-01", "16/10/2021", "0999-01-01", "Sat, 16 Oct 21 17:55:00 GMT"} {
		if got, err := ParseDate(bad, testZone); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, got)
		}
	}
}

func TestParseCategories(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"string", "categories: 金融", []string{"金融"}},
		{"block list", "categories:\n - 金融\n - 证券时报网\n - 要闻", []string{"金融", "证券时报网", "要闻"}},
		{"inline list", "categories: [金融, 要闻]", []string{"金融", "要闻"}},
		{"hexo list of lists", "categories: [[科技, 人工智能], [要闻]]", []string{"科技", "人工智能", "要闻"}},
		{"mixed", "categories: [科技, [人工智能, 科技]]", []string{"科技", "人工智能"}},
		{"duplicates and blanks", "categories: [a, ' a ', '', b]", []string{"a", "b"}},
		{"none", "title: x", nil},
		{"null", "categories:", nil},
		{"alias", "base: &c [x, y]\ncategories: *c", []string{"x", "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, "p.txt", "---\ndate: 2024-01-20\n"+tt.yaml+"\n---\nbody")
			if !reflect.DeepEqual(p.Categories, tt.want) {
				t.Errorf("categories = %q, want %q", p.Categories, tt.want)
			}
		})
	}
}

func mustParse(t *testing.T, name, text string) *Post {
	t.Helper()
	p, _, err := Parse(name, []byte(text), Options{Location: testZone})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

func TestParseFrontMatter(t *testing.T) {
	p := mustParse(t, "dir/hello-world.txt", "\n\n---\n"+
		"title: 'It''s: a title'\n"+
		"date: Sat, 16 Oct 2021 17:55:00 GMT\n"+
		"updated: 2021-10-18 09:00\n"+
		"categories:\n - 金融\n"+
		"tags: [a, b]\n"+
		"author: {name: Li Wei, email: li@example.com}\n"+
		"thumbnail: 'https://example.com/t.jpg'\n"+
		"headimg: 'https://example.com/h.jpg'\n"+
		"excerpt: Short.\n"+
		"permalink: https://example.com/p/1\n"+
		"lang: en\n"+
		"comments: false\n"+
		"unknown_field: {nested: [1, 2]}\n"+
		"---\n\n<p>Body</p>\n")
	want := &Post{
		Path:       "dir/hello-world.txt",
		Title:      "It's: a title",
		Date:       time.Date(2021, 10, 16, 17, 55, 0, 0, time.UTC),
		Updated:    time.Date(2021, 10, 18, 9, 0, 0, 0, testZone),
		Categories: []string{"金融"},
		Tags:       []string{"a", "b"},
		Author:     Author{Name: "Li Wei", Email: "li@example.com"},
		Image:      "https://example.com/h.jpg", // headimg before thumbnail
		Summary:    "Short.",
		Link:       "https://example.com/p/1",
		Lang:       "en",
		Body:       "<p>Body</p>",
		Sum:        p.Sum,
		utf8:       true,
	}
	if !p.Date.Equal(want.Date) || !p.Updated.Equal(want.Updated) {
		t.Errorf("dates = %v, %v; want %v, %v", p.Date, p.Updated, want.Date, want.Updated)
	}
	p.Date, p.Updated, want.Date, want.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	if len(p.Sum) != 32 {
		t.Errorf("Sum = %q, want 32 hex digits", p.Sum)
	}
}

func TestParseForms(t *testing.T) {
	const fm = "---\ntitle: T\ndate: 2024-01-20\n---\n"
	tests := []struct {
		name, file, text string
		check            func(*Post) string
	}{
		{"bom and crlf", "a.txt", "\ufeff---\r\ntitle: T\r\ndate: 2024-01-20\r\n---\r\n<p>x</p>\r\n", func(p *Post) string {
			if p.Title != "T" || p.Body != "<p>x</p>" {
				return "title " + p.Title + " body " + p.Body
			}
			return ""
		}},
		{"markdown", "a.md", fm + "# Head\n\nSome *em* and <span>raw</span>.\n", func(p *Post) string {
			if !strings.Contains(p.Body, "<h1>Head</h1>") || !strings.Contains(p.Body, "<em>em</em>") || !strings.Contains(p.Body, "<span>raw</span>") {
				return "body " + p.Body
			}
			return ""
		}},
		{"html stays html", "a.html", fm + "# not a heading\n", func(p *Post) string {
			if p.Body != "# not a heading" {
				return "body " + p.Body
			}
			return ""
		}},
		{"draft", "a.txt", "---\ntitle: T\ndate: 2024-01-20\ndraft: true\n---\n", func(p *Post) string {
			if !p.Draft {
				return "not a draft"
			}
			return ""
		}},
		{"unpublished", "a.txt", "---\ntitle: T\ndate: 2024-01-20\npublished: false\n---\n", func(p *Post) string {
			if !p.Draft {
				return "not a draft"
			}
			return ""
		}},
		{"author string", "a.txt", "---\ntitle: T\ndate: 2024-01-20\nauthor: 证券时报网\n---\n", func(p *Post) string {
			if p.Author != (Author{Name: "证券时报网"}) {
				return "author " + p.Author.Name
			}
			return ""
		}},
		{"control characters removed", "a.txt", "---\ntitle: \"a\\x01b\"\ndate: 2024-01-20\n---\nx\x00y\x1bz", func(p *Post) string {
			if p.Title != "ab" || p.Body != "xyz" {
				return "title " + p.Title + " body " + p.Body
			}
			return ""
		}},
		{"no title", "2024/my-first_post.txt", "---\ndate: 2024-01-20\n---\n", func(p *Post) string {
			if p.Title != "my first post" {
				return "title " + p.Title
			}
			return ""
		}},
		{"updated before date ignored", "a.txt", "---\ntitle: T\ndate: 2024-01-20\nupdated: 2020-01-01\n---\n", func(p *Post) string {
			if !p.Updated.Equal(p.Date) {
				return "updated " + p.Updated.String()
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := tt.check(mustParse(t, tt.file, tt.text)); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func TestParseRejectsLines(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"empty", "  \n\n", 1, "empty file"},
		{"no front matter", "\ntitle: x\n", 2, "no front matter"},
		{"unclosed", "\n---\ntitle: x\ndate: 2024-01-20\n", 2, "unclosed front matter"},
		{"malformed yaml", "\n---\ntitle: x\ndate: a: b\n---\n", 4, "malformed YAML"},
		{"not a mapping", "---\n- a\n- b\n---\n", 2, "must be a mapping"},
		{"title a list", "---\ndate: 2024-01-20\ntitle: [a]\n---\n", 3, "title must be text"},
		{"bad date", "---\ntitle: x\n\ndate: someday\n---\n", 4, "cannot read date"},
		{"no date", "---\ntitle: x\n---\n", 2, "no date"},
		{"categories a mapping", "---\ndate: 2024-01-20\ncategories: {a: b}\n---\n", 3, "categories must be"},
		{"empty front matter", "---\n---\nbody", 2, "empty front matter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse("x/bad.txt", []byte(tt.text), Options{Location: testZone})
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			prob, ok := err.(*Problem)
			if !ok {
				t.Fatalf("error is %T, want *Problem", err)
			}
			if prob.Path != "x/bad.txt" || prob.Line != tt.line || !strings.Contains(prob.Msg, tt.msg) {
				t.Errorf("got %q (line %d), want x/bad.txt line %d containing %q", prob.Error(), prob.Line, tt.line, tt.msg)
			}
		})
	}
}

// The real post from ../shared/seeds parses with the fields it has.
func TestParseSharedSeed(t *testing.T) {
	files, _ := filepath.Glob("../../shared/seeds/*.txt")
	if len(files) == 0 {
		t.Skip("../../shared/seeds not present")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := Parse(filepath.Base(f), data, Options{Location: testZone})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if p.Title == "" || p.Date.IsZero() || len(p.Categories) == 0 || p.Image == "" || p.Body == "" {
			t.Errorf("%s: missing fields: %+v", f, p)
		}
	}
}
