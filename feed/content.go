package feed

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Policy is the sanitiser for every piece of post HTML we publish, in feeds
// and on pages: no script, no event handlers, no javascript: URLs, no
// frames or plugins. A bluemonday policy is safe for concurrent use.
var Policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("width", "height", "loading").OnElements("img")
	p.AllowElements("figure", "figcaption", "picture", "source", "mark", "small", "sub", "sup")
	p.AllowAttrs("src", "srcset", "type", "media").OnElements("source")
	p.AllowStandardURLs()
	p.RequireNoFollowOnLinks(false)
	return p
}

// urlAttrs are the attributes whose value is a URL resolved against the
// post's link.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true}

// absolutize rewrites relative URLs in body (href, src, poster, cite,
// srcset) against base, so that a reader shows pictures and follows links
// wherever it displays the item. Text and structure are kept as written.
func absolutize(body string, base *url.URL) string {
	if base == nil || !mayHaveRelativeURL(body) {
		return body
	}
	var out bytes.Buffer
	out.Grow(len(body) + 64)
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := z.Raw()
			tok := z.Token()
			changed := false
			for i, a := range tok.Attr {
				switch {
				case urlAttrs[a.Key]:
					if v, ok := resolveURL(base, a.Val); ok {
						tok.Attr[i].Val, changed = v, true
					}
				case a.Key == "srcset":
					tok.Attr[i].Val, changed = resolveSrcset(base, a.Val), true
				}
			}
			if changed {
				out.WriteString(tok.String())
			} else {
				out.Write(raw)
			}
		default:
			out.Write(z.Raw())
		}
	}
}

// mayHaveRelativeURL is a cheap test that lets most bodies skip the
// tokenizer: every URL attribute in them starts with a scheme.
func mayHaveRelativeURL(body string) bool {
	for _, attr := range []string{"href=", "src=", "srcset=", "poster=", "cite="} {
		rest := body
		for {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			v := strings.TrimLeft(rest[i+len(attr):], "\"' ")
			if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
				return true
			}
			rest = rest[i+len(attr):]
		}
	}
	return false
}

func resolveURL(base *url.URL, v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	u, err := url.Parse(v)
	if err != nil || u.IsAbs() {
		return "", false
	}
	return base.ResolveReference(u).String(), true
}

func resolveSrcset(base *url.URL, v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		if abs, ok := resolveURL(base, f[0]); ok {
			f[0] = abs
		}
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}

// plainText returns the text of an HTML fragment with white space
// collapsed, cut after about max characters (at a word boundary where one
// is near) with an ellipsis.
func plainText(body string, max int) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(body))
	space := false
	skip := 0 // inside script or style
	n := 0
	for n <= max {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style, atom.Template:
				skip++
			case atom.P, atom.Br, atom.Div, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.Tr:
				space = true
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style, atom.Template:
				if skip > 0 {
					skip--
				}
			case atom.P, atom.Div, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4:
				space = true
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			for _, r := range string(z.Text()) {
				if unicode.IsSpace(r) {
					space = true
					continue
				}
				if space && b.Len() > 0 {
					b.WriteByte(' ')
					n++
				}
				space = false
				b.WriteRune(r)
				n++
			}
		}
	}
	return truncate(b.String(), max)
}

// truncate cuts s to at most max characters, preferring to end at a space
// in the last fifth, and marks the cut with an ellipsis.
func truncate(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := max
	for i := max; i > max*4/5; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace) + "…"
}
