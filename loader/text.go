package loader

import (
	"bytes"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// validXMLRune reports whether r may appear in an XML 1.0 document
// (the Char production).
func validXMLRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// StripInvalidXML removes the characters that XML 1.0 cannot carry
// (C0 controls but tab and newlines, surrogates, U+FFFE, U+FFFF) and
// replaces invalid UTF-8 with U+FFFD. Text that needs no change is returned
// as it is, without copying.
func StripInvalidXML(s string) string {
	if xmlClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case validXMLRune(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlClean reports whether s is UTF-8 with no character that XML 1.0
// forbids. It is the common case, tested a byte at a time without decoding
// runes: valid UTF-8 holds no surrogates and nothing past U+10FFFF, so
// what is left to find is C0 controls and U+FFFE, U+FFFF (EF BF BE/BF).
func xmlClean(s string) bool {
	return utf8.ValidString(s) && xmlCleanUTF8(s)
}

// stripInvalidXMLUTF8 is StripInvalidXML of s that is UTF-8 already (a
// post's text, which decodeText gave): only what XML forbids besides is
// looked for, which for text of CJK characters takes half the time.
func stripInvalidXMLUTF8(s string) string {
	if xmlCleanUTF8(s) {
		return s
	}
	return StripInvalidXML(s)
}

// xmlCleanUTF8 is xmlClean of s that is UTF-8.
func xmlCleanUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x20 && c != 0xEF:
		case c == '\t' || c == '\n' || c == '\r':
		case c == 0xEF:
			if i+2 < len(s) && s[i+1] == 0xBF && s[i+2] >= 0xBE {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// decodeText returns data as UTF-8. Text that is not UTF-8 is decoded as
// GB18030 when the result is clearly Chinese; anything else is an error.
func decodeText(data []byte) (text []byte, asIs bool, err error) {
	if utf8.Valid(data) {
		return data, true, nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err == nil && looksChinese(out) {
		return out, false, nil
	}
	return nil, false, errors.New("not valid UTF-8 (nor clearly GB18030/GBK): save the file as UTF-8")
}

// looksChinese reports whether most non-ASCII text in b is Han or CJK
// punctuation and none of it failed to decode.
func looksChinese(b []byte) bool {
	var cjk, other int
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf:
		case r == utf8.RuneError:
			return false
		case unicode.Is(unicode.Han, r), r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF:
			cjk++
		default:
			other++
		}
	}
	return cjk > 0 && cjk >= 4*other
}

// invalidAt gives the offset of the first byte that is not UTF-8.
func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// lineOf gives the 1-based line of offset off in data.
func lineOf(data []byte, off int) int {
	return bytes.Count(data[:off], []byte("\n")) + 1
}
