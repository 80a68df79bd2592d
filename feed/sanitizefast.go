package feed

import (
	"html"
	"net/url"
	"strings"
	"unicode"
)

// Most posts are HTML of a few plain elements: paragraphs, headings, lists,
// emphasis and links. For those, sanitizeFast gives what newPolicy's
// bluemonday gives, without tokenizing: the elements as they are, and the
// text re-escaped as bluemonday writes text (' " > as references). Any
// other input (an entity, a comment, an attribute other than a link's
// href, an element outside plainElements ...) goes to bluemonday whole.
// TestSanitizeFast and FuzzSanitize compare the two.

// plainElements are the elements newPolicy keeps as they are when they
// have no attributes; "a" is kept with an href alone (plainLink).
var plainElements = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range strings.Fields("p div span h1 h2 h3 h4 h5 h6 strong em b i u s small mark sub sup " +
		"ul ol li dl dt dd blockquote code pre q cite abbr del ins figure figcaption section article aside " +
		"table thead tbody tfoot tr td th caption br hr") {
		m[e] = true
	}
	return m
}()

// sanitizeFast returns newPolicy's sanitising of s, and true, when s is
// made only of text without '&', NUL or CR, and of the tags of
// plainElements and plain links; else "" and false.
func sanitizeFast(s string) (string, bool) {
	var out strings.Builder // grown at the first byte that changes
	last := 0               // s[last:] is not in out yet
	for i := 0; i < len(s); {
		if i+8 <= len(s) && !anyBelow40(word(s[i:i+8])) { // no stop among them
			i += 8
			continue
		}
		if !sanitizeStops[s[i]] {
			i++
			continue
		}
		var esc string
		switch s[i] {
		case '<':
			n := plainTag(s[i:])
			if n == 0 {
				return "", false
			}
			i += n
			continue
		case '&', 0, '\r':
			return "", false
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default: // '\''
			esc = "&#39;"
		}
		if out.Cap() == 0 {
			out.Grow(len(s) + 64)
		}
		out.WriteString(s[last:i])
		out.WriteString(esc)
		i++
		last = i
	}
	if out.Cap() == 0 {
		return s, true
	}
	out.WriteString(s[last:])
	return out.String(), true
}

// sanitizeStops are the bytes sanitizeFast looks at.
var sanitizeStops = [256]bool{'<': true, '&': true, 0: true, '\r': true, '>': true, '"': true, '\'': true}

// plainTag is the length of the tag that t starts with when it is a start
// or end tag of plainElements written plainly (<p>, </p>), a plain link's
// start tag (plainLink) or the end tag of a link; else 0.
func plainTag(t string) int {
	end := strings.IndexByte(t, '>')
	if end < 0 {
		return 0
	}
	tag := t[1:end]
	if name, ok := strings.CutPrefix(tag, "/"); ok {
		if plainElements[name] || name == "a" {
			return end + 1
		}
		return 0
	}
	if plainElements[tag] || plainLink(tag) {
		return end + 1
	}
	return 0
}

// plainLink reports whether tag (between < and >) is a link with an href
// alone that newPolicy keeps as it is: an http(s) URL that reads back
// as written, with no character that an attribute would escape.
func plainLink(tag string) bool {
	v, ok := strings.CutPrefix(tag, `a href="`)
	if !ok {
		return false
	}
	if v, ok = strings.CutSuffix(v, `"`); !ok || v == "" || strings.ContainsAny(v, "\"'&<> \t\n\r\f\x00") {
		return false
	}
	if plainURL(v) {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.String() == v
}

// plainURL reports whether v is an http(s) URL that url.Parse reads back
// as written without asking it: a host and path of unreserved characters
// and slashes alone (most links). false says nothing.
func plainURL(v string) bool {
	rest, ok := strings.CutPrefix(v, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(v, "http://")
	}
	if !ok || rest == "" || rest[0] == '/' {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0) {
			return false
		}
	}
	return true
}

// plainTextFast is plainText of HTML as sanitizeFast makes it: tags of
// plainElements and links, and text whose only references are those
// sanitizeFast writes. It reads it as html.Tokenizer does (one text token
// between two tags), without one.
func plainTextFast(body string, max int) string {
	w := words{buf: make([]byte, 0, min(len(body), 4*max+8)), max: max}
	for i := 0; i < len(body) && !w.full(); {
		if body[i] == '<' {
			end := strings.IndexByte(body[i:], '>') // there is one: see plainTag
			name, closing := strings.CutPrefix(body[i+1:i+end], "/")
			name, _, _ = strings.Cut(name, " ")
			switch name {
			case "p", "div", "li", "h1", "h2", "h3", "h4":
				w.space = true
			case "br", "tr":
				w.space = w.space || !closing
			}
			i += end + 1
			continue
		}
		j := strings.IndexByte(body[i:], '<')
		if j < 0 {
			j = len(body) - i
		}
		w.add(html.UnescapeString(body[i : i+j]))
		i += j
	}
	return w.String()
}

// isSpace is unicode.IsSpace, without a table search for the characters
// of most scripts.
func isSpace(r rune) bool {
	if r <= 0xff {
		return unicode.IsSpace(r)
	}
	return r == 0x1680 || 0x2000 <= r && r <= 0x200a || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
}
