package loader

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Lint reports, as warnings, what feed validators warn about in posts that
// were accepted: no title, one title twice on one day, a date far in the
// future, and in the body links and images that are relative or not
// http(s), and images without a width and height. raw gives a post's file
// (nil if it cannot be read), for the line of each problem; days are
// those of loc.
func Lint(posts []*Post, raw func(path string) []byte, loc *time.Location, now time.Time) []*Problem {
	var out []*Problem
	type day struct{ title, date string }
	first := map[day]string{} // the first path (in path order) of each title and day
	sorted := append([]*Post(nil), posts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, p := range sorted {
		if p.Draft {
			continue
		}
		src := raw(p.Path)
		warn := func(needle, format string, args ...any) {
			out = append(out, &Problem{Path: p.Path, Line: lineOfText(src, needle), Msg: fmt.Sprintf(format, args...), Warn: true})
		}
		if strings.TrimSpace(p.Title) == "" {
			warn("title", "no title: readers list the item as untitled; add a title: field")
		} else {
			k := day{p.Title, p.Date.In(loc).Format(time.DateOnly)}
			if other, ok := first[k]; ok {
				warn(p.Title, "title %q is also the title of %s on %s: readers may take one for the other", p.Title, other, k.date)
			} else {
				first[k] = p.Path
			}
		}
		if p.Date.After(now.AddDate(1, 0, 0)) {
			warn("date", "date %s is more than a year ahead: the post waits until then (a typo in the year?)", p.Date.In(loc).Format(time.DateTime))
		}
		body, err := p.LoadBody()
		if err != nil {
			continue
		}
		for _, m := range lintBody(body) {
			warn(m.needle, "%s", m.msg)
		}
	}
	return out
}

type lintMsg struct{ needle, msg string }

// lintBody finds the links and images of an HTML body that feed readers
// cannot follow or lay out.
func lintBody(body string) []lintMsg {
	var out []lintMsg
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			attrs := map[string]string{}
			for _, a := range t.Attr {
				attrs[a.Key] = a.Val
			}
			switch t.Data {
			case "a":
				if href, ok := attrs["href"]; ok {
					if msg := badURL(href, "link", true); msg != "" {
						out = append(out, lintMsg{href, msg})
					}
				}
			case "img":
				src := attrs["src"]
				if msg := badURL(src, "image", false); msg != "" {
					out = append(out, lintMsg{src, msg})
				}
				if attrs["width"] == "" || attrs["height"] == "" {
					out = append(out, lintMsg{src, fmt.Sprintf("image %q has no width and height: the text moves as it loads; give both", src)})
				}
			}
		}
	}
}

// badURL says what is wrong with a link or image address, or "".
func badURL(s, what string, link bool) string {
	s = strings.TrimSpace(s)
	if link && strings.HasPrefix(s, "#") {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("%s %q cannot be read as a URL", what, s)
	case link && u.Scheme == "mailto":
		return ""
	case u.Scheme == "" && u.Host == "":
		return fmt.Sprintf("relative %s %q: readers away from the site may not resolve it; write an absolute http(s) URL", what, s)
	case u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "":
		return fmt.Sprintf("%s %q is not http(s): feed readers drop it", what, s)
	}
	return ""
}

// lineOfText is the line of the first occurrence of needle in src, or 0.
func lineOfText(src []byte, needle string) int {
	if needle == "" || src == nil {
		return 0
	}
	i := bytes.Index(src, []byte(needle))
	if i < 0 {
		i = bytes.Index(src, []byte(html.EscapeString(needle)))
	}
	if i < 0 {
		return 0
	}
	return 1 + bytes.Count(src[:i], []byte("\n"))
}
