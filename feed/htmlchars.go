package feed

import (
	"bytes"
	"unicode/utf8"
)

// htmlChars drops from a page the characters that XML allows and HTML
// does not (a parse error in every browser): DEL, the C1 controls and the
// noncharacters. The loader has dropped the rest already.
func htmlChars(b []byte) []byte {
	if !maybeBadForHTML(b) {
		return b
	}
	return dropBadForHTML(b)
}

// dropBadForHTML is htmlChars without the quick look: b with those
// characters dropped, written over b.
func dropBadForHTML(b []byte) []byte {
	out := b[:0]
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if !(r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe) {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// maybeBadForHTML is a quick look for the bytes that begin or end the
// characters htmlChars drops: DEL, C2 80..9F (U+0080..U+009F), EF B7
// 90..AF (U+FDD0..U+FDEF) and BF BE, BF BF (the end of U+FFFE, U+FFFF and
// of the noncharacters of the other planes). Each is looked for by a
// search for one byte (of SIMD speed) that rarely starts another
// character's bytes in Chinese text, where EF and BF are frequent: B7
// for EF B7 (not EF, the first of the full-width punctuation).
func maybeBadForHTML(b []byte) bool {
	return bytes.IndexByte(b, 0x7f) >= 0 || anyAround(b, 0xc2, badAt) ||
		anyAround(b, 0xb7, func(b []byte, i int) bool { return i > 0 && badAt(b, i-1) }) ||
		anyAround(b, 0xbf, badAt)
}

// anyAround reports whether ok(b, i) for one of the places i of c in b.
func anyAround(b []byte, c byte, ok func([]byte, int) bool) bool {
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], c)
		if j < 0 {
			return false
		}
		if i += j; ok(b, i) {
			return true
		}
	}
}

// badAt reports whether b[i] starts one of the byte sequences
// maybeBadForHTML looks for.
func badAt(b []byte, i int) bool {
	switch c, n := b[i], len(b)-i; c {
	case 0x7f:
		return true
	case 0xc2:
		return n > 1 && b[i+1]&0xe0 == 0x80
	case 0xef:
		return n > 2 && b[i+1] == 0xb7 && b[i+2]-0x90 < 0x20
	case 0xbf:
		return n > 1 && b[i+1]&^1 == 0xbe
	}
	return false
}
