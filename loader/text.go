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
	clean := true
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !validXMLRune(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
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

// decodeText returns data as UTF-8. Text that is not UTF-8 is decoded as
// GB18030 when the result is clearly Chinese; anything else is an error.
func decodeText(data []byte) ([]byte, error) {
	if utf8.Valid(data) {
		return data, nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err == nil && looksChinese(out) {
		return out, nil
	}
	return nil, errors.New("not valid UTF-8 (nor clearly GB18030/GBK): save the file as UTF-8")
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
