package feed

import (
	"bytes"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"

	"feedpub/loader"
)

// newPolicy makes the sanitiser for every piece of post HTML we publish, in
// feeds and on pages: no script, no event handlers, no javascript: URLs, no
// frames or plugins. A bluemonday policy is safe for concurrent use.
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
	w := words{max: max}
	z := html.NewTokenizer(strings.NewReader(body))
	skip := 0 // inside script or style
	for !w.full() {
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
				w.space = true
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style, atom.Template:
				if skip > 0 {
					skip--
				}
			case atom.P, atom.Div, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4:
				w.space = true
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			w.add(string(z.Text()))
		}
	}
	return w.String()
}

// words gathers the words of text, one space between two, up to the
// character after max (truncate looks no further).
type words struct {
	buf   []byte
	n     int // characters in buf
	max   int
	space bool // a space is due before the next word
}

// full reports whether w holds more than max characters.
func (w *words) full() bool { return w.n > w.max }

// add appends the words of text. A byte that is no UTF-8 is written as
// U+FFFD, as a range over text reads it.
func (w *words) add(text string) {
	buf := w.buf // a local, not w's: no write barrier a character
	for i := 0; i < len(text) && w.n <= w.max; {
		c, size, space := text[i], 1, false
		switch {
		case c < utf8.RuneSelf:
			space = c == ' ' || '\t' <= c && c <= '\r'
		case common3(text, i): // U+3000, the ideographic space, is the one space among them
			size, space = 3, c == 0xe3 && text[i+1] == 0x80 && text[i+2] == 0x80
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			space = isSpace(r)
		}
		if space {
			w.space = true
			i += size
			continue
		}
		if w.space && len(buf) > 0 {
			buf = append(buf, ' ')
			w.n++
		}
		w.space = false
		switch {
		case c < utf8.RuneSelf:
			buf = append(buf, c)
		case size == 1: // no UTF-8
			buf = utf8.AppendRune(buf, utf8.RuneError)
		case size == 3: // without a memmove
			buf = append(buf, c, text[i+1], text[i+2])
		default:
			buf = append(buf, text[i:i+size]...)
		}
		w.n++
		i += size
	}
	w.buf = buf
}

// String is the text gathered, cut (truncate).
func (w *words) String() string { return truncate(string(w.buf), w.max) }

// truncate cuts s to at most max characters, preferring to end at a space
// in the last fifth, and marks the cut with an ellipsis.
func truncate(s string, max int) string {
	k, cut := 0, -1 // characters before s[i]; where the cut falls in s
	for i, c := range s {
		if c == utf8.RuneError { // maybe a byte that is no UTF-8, which the cut writes anew
			return truncateRunes(s, max)
		}
		if c == ' ' && k > max*4/5 {
			cut = i
		}
		if k == max { // more than max characters
			if cut < 0 {
				cut = i
			}
			return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + "…"
		}
		k++
	}
	return s
}

// truncateRunes is truncate of s, character by character.
func truncateRunes(s string, max int) string {
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

// webURL returns s as an absolute http(s) URL written in ASCII, as feeds
// want in href, link and url values: a non-ASCII host in its IDNA form,
// spaces and other characters outside URIs percent-encoded. It returns ""
// when s is not an http(s) URL.
func webURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !isHTTP(u) {
		return ""
	}
	if host := u.Hostname(); !isASCII(host) {
		a, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return ""
		}
		if port := u.Port(); port != "" {
			a += ":" + port
		}
		u.Host = a
	}
	return escapeLoose(u.String())
}

// escapeLoose percent-encodes the bytes that may not stand in a URI
// (controls, space, non-ASCII and "<>\^`{|}), leaving escapes already
// made as they are. url.URL.String leaves a raw query unescaped.
func escapeLoose(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			if b.Len() == 0 {
				b.Grow(len(s) + 16)
				b.WriteString(s[:i])
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// validEmail reports whether s is a bare e-mail address (an RFC 5322
// addr-spec), the only thing RSS author and Atom email may hold.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && !strings.ContainsAny(s, " ()<>")
}

// langTag is the shape of a language tag (RFC 3066 / BCP 47).
var langTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

// validLang reports whether s is shaped like a language tag, the form
// xml:lang takes in Atom.
func validLang(s string) bool { return langTag.MatchString(s) }

// siteLang is the site's language if it is shaped like a language tag,
// else "": a feed without a language is valid, one with a malformed
// xml:lang is not.
func siteLang(c *Config) string {
	if validLang(c.Language) {
		return c.Language
	}
	return ""
}

// xmlText makes s safe to place in XML character data or CDATA: characters
// outside the XML 1.0 Char range are removed. Posts from the loader are
// clean already; this keeps an encoder from ever writing ill-formed XML.
func xmlText(s string) string { return loader.StripInvalidXML(s) }

// urls are an item's URLs as feeds write them.
type itemURLs struct {
	id, link, image, author string
	perma                   bool // id is the item's own web address (RSS guid isPermaLink)
	made                    bool // by makeURLs: not a zero value
}

// urls are pr's URLs as feeds write them: made once, by details, for the
// feeds that hold the item.
func (pr *prepared) urls() itemURLs {
	if pr.web.made {
		return pr.web
	}
	return pr.makeURLs() // of a prepared that details did not make
}

func (pr *prepared) makeURLs() itemURLs {
	u := itemURLs{id: pr.id, link: webURL(pr.link), image: webURL(pr.image), author: webURL(pr.author.URL), made: true}
	if u.link == "" {
		u.link = pr.link
	}
	if pr.id == pr.link {
		u.id = u.link
	}
	u.perma = u.id == u.link && webURL(u.id) == u.id
	return u
}
