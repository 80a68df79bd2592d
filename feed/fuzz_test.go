package feed

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// Fuzz targets: go test -fuzz=FuzzSlug ./feed/ (and FuzzBuild). Crashers
// land in testdata/fuzz/<target>/ and are replayed by every go test run.

// seedNames adds the categories, titles and file names of the bundled seed
// folder, and the hostile names, to a corpus.
func seedNames(f *testing.F, add func(string)) {
	f.Helper()
	feedtest.SeedNames(f, "../seeds", add)
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"金融", "Open Source", "ＡＩ", "C++", "a.b", "...", "-", "", " ", "#1 ?x", "İstanbul", "ß", "\u0301", "e\u0301"} {
		f.Add(s)
	}
	seedNames(f, func(s string) { f.Add(s) })
	f.Fuzz(func(t *testing.T, name string) {
		s := Slug(name)
		switch {
		case s == "" || s == "." || s == "..":
			t.Fatalf("Slug(%q) = %q", name, s)
		case len(s) > maxSlug:
			t.Fatalf("Slug(%q) = %q: %d bytes, want at most %d", name, s, len(s), maxSlug)
		case !utf8.ValidString(s):
			t.Fatalf("Slug(%q) = %q: not UTF-8", name, s)
		case strings.ContainsAny(s, "/\\\x00?#%&:;=\"'<> \t\n\r") || strings.IndexFunc(s, unicode.IsControl) >= 0:
			t.Fatalf("Slug(%q) = %q: holds a character paths or URLs treat specially", name, s)
		case strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.HasPrefix(s, "-"):
			t.Fatalf("Slug(%q) = %q: starts or ends with a dot, or starts with a dash", name, s)
		case Slug(name) != s:
			t.Fatalf("Slug(%q) not deterministic", name)
		}
		// Names that differ only in width or case share a slug.
		if up := strings.ToUpper(name); utf8.ValidString(name) && len(up) == len(name) && strings.EqualFold(up, name) && Slug(up) != s && len(s) < maxSlug-10 {
			t.Fatalf("Slug(%q) = %q but Slug(%q) = %q", name, s, up, Slug(up))
		}
	})
}

// FuzzSanitize: no script or handler survives the policy.
func FuzzSanitize(f *testing.F) {
	for _, b := range fuzzBodies {
		f.Add(b)
	}
	seedNames(f, func(s string) { f.Add("<p>" + s + "</p>") })
	r := &renderer{policy: newPolicy()}
	f.Fuzz(func(t *testing.T, body string) {
		body = loader.StripInvalidXML(body)
		got := r.sanitize(body)
		if want := bluemondaySanitize(body); got != want { // sanitizeFast's answer is bluemonday's
			t.Fatalf("sanitize(%q) = %q, bluemonday gives %q", body, got, want)
		}
		checkSafeHTML(t, got)
		if _, ok := sanitizeFast(body); ok {
			checkAbsolute(t, body)
		}
	})
}

var fuzzBodies = []string{"<p>x</p>", "<div>\n<h2>标题</h2>\n<p>It's \"x\" > y <a href=\"https://example.com/a?b=1\">link</a> <strong>3%</strong></p>\n</div>", `<script>alert(1)</script>`, `<img src=x onerror=alert(1)>`, `<a href="javascript:alert(1)">x</a>`,
	`<iframe src="https://evil.example/"></iframe>`, `<svg><script>alert(1)</script></svg>`, "&#1;&#xFFFE;&#0;", "]]>", "<![CDATA[x]]>", `<a href="../x">rel</a>`}

// checkSafeHTML parses sanitised HTML as a browser would and fails on
// anything that can run script: script, iframe, object, embed, svg, math,
// style, on* attributes, or a URL whose scheme is not http(s) or mailto.
func checkSafeHTML(t testing.TB, s string) {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch strings.ToLower(n.Data) {
			case "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style", "link", "meta", "base", "form", "template", "noscript":
				t.Fatalf("got <%s> in sanitised HTML %q", n.Data, s)
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				if strings.HasPrefix(k, "on") || k == "style" || k == "formaction" || k == "srcdoc" {
					t.Fatalf("got attribute %s on <%s> in %q", a.Key, n.Data, s)
				}
				if k == "srcset" {
					for _, c := range strings.Split(a.Val, ",") {
						if f := strings.Fields(c); len(f) > 0 && !safeURL(f[0]) {
							t.Fatalf("got srcset %q on <%s> in %q", a.Val, n.Data, s)
						}
					}
					continue
				}
				switch k {
				case "href", "src", "poster", "cite", "action", "background", "xlink:href", "data":
					if !safeURL(a.Val) {
						t.Fatalf("got %s=%q on <%s> in %q", a.Key, a.Val, n.Data, s)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// safeURL reports whether a URL, read as a browser does (control and space
// characters dropped), is relative or http, https or mailto.
func safeURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, v)
	lower := strings.ToLower(v)
	i := strings.IndexAny(lower, ":/?#")
	if i < 0 || lower[i] != ':' {
		return true // no scheme: relative
	}
	switch lower[:i] {
	case "http", "https", "mailto":
		return true
	}
	return false
}
