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
	last := 0
	for i := 0; i < len(s); {
		c, width, rep := s[i], 1, "\uFFFD"
		switch {
		case c < utf8.RuneSelf:
			if i+8 <= len(s) && !xmlWordStops(word(s[i:i+8])) { // 8 bytes of plain ASCII
				i += 8
				continue
			}
			if rep = esc[c]; rep == "" {
				i++
				continue
			}
		case common3(s, i):
			i += 3
			continue
		default: // valid UTF-8 holds no surrogate: U+FFFE and U+FFFF are the only others to replace
			if width = utf8Width(s, i); width == 0 {
				width = 1
			} else if c != 0xef || s[i+1] != 0xbf || s[i+2] < 0xbe {
				i += width
				continue
			}
		}
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		i += width
		last = i
	}
	return append(b, s[last:]...)
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
		for i+8 <= len(s) && !contentStops(word(s[i:i+8])) { // none of them escaped
			i += 8
		}
		if i == len(s) {
			break
		}
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

// contentStops reports whether one of the 8 bytes of x (word) is one that
// appendContent escapes: & < > or CR. Exact, so that text of spaces,
// digits and punctuation goes 8 bytes at a time too. anyBelow40 is asked
// first: it is cheaper, and false for the words of CJK text.
func contentStops(x uint64) bool {
	lt := (x | ones*2) ^ ones*'>' // a zero for < or >
	return anyBelow40(x) && (zeros(x^ones*'&')|zeros(x^ones*'\r')|zeros(lt)) != 0
}

// escapedStops reports whether one of the 8 bytes of x (word) is one that
// appendEscaped escapes: NUL " & ' + < >. Exact; anyBelow40 first, as in
// contentStops.
func escapedStops(x uint64) bool {
	amp, lt := (x|ones)^ones*'\'', (x|ones*2)^ones*'>' // zeros for & or ', < or >
	return anyBelow40(x) && (zeros(x)|zeros(x^ones*'"')|zeros(amp)|zeros(x^ones*'+')|zeros(lt)) != 0
}

// xmlWordStops reports whether one of the 8 bytes of x (word) is not
// ASCII or is one that appendXMLText escapes with any of its tables: a
// control, " & ' < >. Exact; anyBelow40 first, as in contentStops.
func xmlWordStops(x uint64) bool {
	if x&(ones*0x80) != 0 {
		return true
	}
	amp, lt := (x|ones)^ones*'\'', (x|ones*2)^ones*'>' // zeros for & or ', < or >
	return anyBelow40(x) && ((x-ones*0x20)&^x&(ones*0x80)|zeros(x^ones*'"')|zeros(amp)|zeros(lt)) != 0
}

// ones has 1 in each byte, for the tests of 8 bytes at a time: ones*c is
// c in each byte.
const ones = 0x0101010101010101

// zeros has the high bit of some bytes of v set, of one at least when a
// byte of v is 0, and is 0 when none is.
func zeros(v uint64) uint64 { return (v - ones) &^ v & (ones * 0x80) }

// anyBelow40 reports whether one of the 8 bytes of x (word) may be below
// 0x40, as markup characters and controls are: false when none is, most
// often true when one is.
func anyBelow40(x uint64) bool {
	return (x-0x4040404040404040)&^x&0x8080808080808080 != 0
}

// word is the 8 bytes of w as one number, the first the lowest: what the
// tests of 8 bytes at a time (anyBelow40, jsonPlain) read.
func word(w string) uint64 {
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// contentEscapes is what appendContent writes for each byte ("" for the
// byte itself).
var contentEscapes = [256]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '\r': "&#xD;"}

// appendJSONString appends s as a JSON string as encoding/json writes it
// with SetEscapeHTML(false): invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped. It checks the UTF-8 as it goes, a character at a time.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if i+8 <= len(s) && jsonPlain(word(s[i:i+8])) {
				i += 8
				continue
			}
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
		if common3(s, i) {
			i += 3
			continue
		}
		w := utf8Width(s, i)
		rep := `\ufffd`
		switch {
		case w == 3 && c == 0xe2 && s[i+1] == 0x80 && s[i+2]&^1 == 0xa8: // U+2028, U+2029
			rep = `\u202` + string('8'+s[i+2]-0xa8)
		case w == 0:
			w = 1
		default:
			i += w
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		i += w
		last = i
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// appendJSONContent is appendJSONString of s that is valid UTF-8 (prepared
// content, XML-clean: see renderer.prepared): nothing but ASCII stops and
// U+2028, U+2029 can need escaping, so it is looked at 8 bytes at a time
// whatever the script, with no decoding.
func appendJSONContent(b []byte, s string) []byte {
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		for i+8 <= len(s) && !jsonStopsUTF8(word(s[i:i+8])) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c < utf8.RuneSelf && jsonStops[c]:
			b = append(b, s[last:i]...)
			b = appendJSONEscape(b, c)
			last = i + 1
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xa8: // U+2028, U+2029
			b = append(b, s[last:i]...)
			b = append(b, `\u202`...)
			b = append(b, '8'+s[i+2]-0xa8)
			i += 2
			last = i + 1
		}
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

// jsonStopsUTF8 reports whether one of the 8 bytes of x (word) may need a
// look in valid UTF-8 written as a JSON string: a byte below 0x20, '"',
// '\\' or 0xE2 (the first of U+2028, U+2029). Exact: false when none is.
func jsonStopsUTF8(x uint64) bool {
	const highs = 0x8080808080808080
	e2 := x ^ ones*0xe2
	if x&highs == highs { // no ASCII: as most words of CJK text
		return zeros(e2) != 0
	}
	return (x-ones*0x20)&^x&highs|zeros(x^ones*'"')|zeros(x^ones*'\\')|zeros(e2) != 0
}

// jsonPlain reports whether the 8 bytes of x (word) are ASCII that JSON
// strings hold as it is.
func jsonPlain(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(ones*'"'), x^(ones*'\\')
	return (x|(x-ones*0x20)|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

// jsonStops are the ASCII bytes that JSON strings cannot hold as they
// are.
var jsonStops = func() (t [utf8.RuneSelf]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// common3 reports whether s[i] starts a character of three bytes whose
// first byte is E3..EC (U+3000..U+CFFF: most of Chinese, Japanese and
// Korean), which is valid UTF-8 whatever its other two bytes, once they
// continue it. Small enough to inline, where utf8Width is not.
func common3(s string, i int) bool {
	return s[i]-0xe3 < 0xec-0xe3+1 && i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80
}

// utf8Width is the length of the character of valid UTF-8 that starts at
// s[i], a byte that is not ASCII; 0 if none does (utf8.DecodeRuneInString
// would give RuneError, 1).
func utf8Width(s string, i int) int {
	c, n := s[i], len(s)-i
	switch {
	case c < 0xc2:
	case c < 0xe0:
		if n >= 2 && s[i+1]&0xc0 == 0x80 {
			return 2
		}
	case c < 0xf0:
		if n >= 3 && s[i+2]&0xc0 == 0x80 && utf8Second(c, s[i+1]) {
			return 3
		}
	case c < 0xf5:
		if n >= 4 && s[i+2]&0xc0 == 0x80 && s[i+3]&0xc0 == 0x80 && utf8Second(c, s[i+1]) {
			return 4
		}
	}
	return 0
}

// utf8Second reports whether c1 may follow c, the first byte of a
// character of three or four bytes (the ranges of RFC 3629).
func utf8Second(c, c1 byte) bool {
	lo, hi := byte(0x80), byte(0xbf)
	switch c {
	case 0xe0:
		lo = 0xa0
	case 0xed:
		hi = 0x9f
	case 0xf0:
		lo = 0x90
	case 0xf4:
		hi = 0x8f
	}
	return lo <= c1 && c1 <= hi
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
