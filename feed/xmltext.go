package feed

import (
	"strings"
	"unicode/utf8"
)

// Items are encoded by appending, with no reflection: an item is encoded
// once per feed that holds it, and encoding/xml and encoding/json spend
// more on finding fields than on the text. The appenders below write what
// those packages write (TestItemEncodersAsReflection compares them with
// the struct encodings they replace).

// xmlEscapes is what encoding/xml writes for each ASCII byte in text and
// attribute values ("" for the byte itself), and rssEscapes the same with
// & and < as the hexadecimal references RSS wants (see rsstext.go).
var xmlEscapes, rssEscapes = func() (x, r [utf8.RuneSelf]string) {
	for c := range byte(0x20) {
		x[c] = "\uFFFD" // not an XML character
	}
	x['\t'], x['\n'], x['\r'] = "&#x9;", "&#xA;", "&#xD;"
	x['"'], x['\''], x['&'], x['<'], x['>'] = "&#34;", "&#39;", "&amp;", "&lt;", "&gt;"
	r = x
	r['&'], r['<'] = "&#x26;", "&#x3C;"
	return x, r
}()

// appendXMLText appends s escaped as encoding/xml escapes text and
// attribute values (characters XML cannot hold as U+FFFD), with esc one of
// xmlEscapes and rssEscapes.
func appendXMLText(b []byte, s string, esc *[utf8.RuneSelf]string) []byte {
	valid := utf8.ValidString(s)
	last := 0
	for i := 0; i < len(s); {
		c, width, rep := s[i], 1, ""
		switch {
		case c < utf8.RuneSelf:
			if rep = esc[c]; rep == "" {
				i++
				continue
			}
		case valid: // U+FFFE and U+FFFF are the only others to replace
			if c != 0xef || i+2 >= len(s) || s[i+1] != 0xbf || s[i+2] < 0xbe {
				i++
				continue
			}
			width, rep = 3, "\uFFFD"
		default:
			r, w := utf8.DecodeRuneInString(s[i:])
			if xmlChar(r) && !(r == utf8.RuneError && w == 1) {
				i += w
				continue
			}
			width, rep = w, "\uFFFD"
		}
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
}

// xmlChar reports whether r is in XML 1.0's Char range.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// appendElem appends <name>s</name>, s escaped with esc.
func appendElem(b []byte, name, s string, esc *[utf8.RuneSelf]string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendXMLText(b, s, esc)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// appendAttr appends ` name="s"`, s escaped with esc.
func appendAttr(b []byte, name, s string, esc *[utf8.RuneSelf]string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendXMLText(b, s, esc)
	return append(b, '"')
}

// appendCDATA appends s as encoding/xml writes a CDATA field: nothing when
// empty, and any "]]>" in it split across two sections.
func appendCDATA(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, "<![CDATA["...)
	for {
		before, after, ok := strings.Cut(s, "]]>")
		if !ok {
			break
		}
		b = append(b, before...)
		b = append(b, "]]]]><![CDATA[>"...)
		s = after
	}
	b = append(b, s...)
	return append(b, "]]>"...)
}

// appendContent appends content that is XML-clean already (prepared)
// escaped as character data: markup characters, and CR, which a parser
// would otherwise turn into LF.
func appendContent(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		esc := contentEscapes[s[i]]
		if esc == "" {
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// contentEscapes is what appendContent writes for each byte ("" for the
// byte itself).
var contentEscapes = [256]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '\r': "&#xD;"}

// appendJSONString appends s as a JSON string as encoding/json writes it
// with SetEscapeHTML(false): invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	if !utf8.ValidString(s) {
		return append(appendJSONInvalid(b, s), '"')
	}
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !jsonStops[c] {
			continue
		}
		if c == 0xe2 { // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xa8 {
				b = append(b, s[last:i]...)
				b = append(b, `\u202`...)
				b = append(b, '8'+s[i+2]-0xa8)
				i += 2
				last = i + 1
			}
			continue
		}
		b = append(b, s[last:i]...)
		b = appendJSONEscape(b, c)
		last = i + 1
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// jsonStops are the bytes of valid UTF-8 at which appendJSONString looks
// closer: those JSON escapes, and the first of U+2028 and U+2029.
var jsonStops = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'], t[0xe2] = true, true, true
	return t
}()

// appendJSONInvalid is appendJSONString's loop for s that is not valid
// UTF-8, rune by rune, without the quotes.
func appendJSONInvalid(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !jsonStops[c] {
				i++
				continue
			}
			b = append(b, s[last:i]...)
			b = appendJSONEscape(b, c)
			i++
			last = i
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		rep := ""
		switch {
		case r == utf8.RuneError && w == 1:
			rep = `\ufffd`
		case r == '\u2028':
			rep = `\u2028`
		case r == '\u2029':
			rep = `\u2029`
		default:
			i += w
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		i += w
		last = i
	}
	return append(b, s[last:]...)
}

// appendJSONEscape appends the escape of an ASCII byte that JSON strings
// cannot hold as it is.
func appendJSONEscape(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
}
