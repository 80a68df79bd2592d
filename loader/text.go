package loader

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	asmutf8 "github.com/segmentio/asm/utf8"
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

// xmlCleanUTF8 is xmlClean of s that is UTF-8. In valid UTF-8 what XML
// forbids is C0 controls (but tab and newlines) and U+FFFE, U+FFFF
// (EF BF BE, EF BF BF): controls are looked for 32 bytes at a time, those
// two by the search for EF BF, which is fast; a byte at a time took a
// post's page as long as checking it was UTF-8.
func xmlCleanUTF8(s string) bool {
	for rest := s; ; {
		i := strings.Index(rest, "\xef\xbf")
		if i < 0 {
			break
		}
		if i+2 < len(rest) && rest[i+2] >= 0xBE {
			return false
		}
		rest = rest[i+2:]
	}
	return controlFree(unsafe.Slice(unsafe.StringData(s), len(s))) // read only
}

// controlFree reports whether b holds no C0 control but tab and newlines:
// 32 bytes at a time, and the words of those with a byte under 0x20 (a
// newline, as a rule) looked at again exactly (controlFreeWord).
func controlFree(b []byte) bool {
	// The lowest byte of w under 0x20 (if any) shows its high bit in
	// w-space (borrows may flag bytes above it too); ^w leaves out bytes
	// over 0x7F.
	const high, space = 0x8080808080808080, 0x2020202020202020
	low := func(w uint64) uint64 { return (w - space) &^ w & high }
	i := 0
	for ; i+32 <= len(b); i += 32 {
		q := b[i : i+32]
		w0, w1 := binary.LittleEndian.Uint64(q), binary.LittleEndian.Uint64(q[8:])
		w2, w3 := binary.LittleEndian.Uint64(q[16:]), binary.LittleEndian.Uint64(q[24:])
		if low(w0)|low(w1)|low(w2)|low(w3) != 0 &&
			!(controlFreeWord(w0) && controlFreeWord(w1) && controlFreeWord(w2) && controlFreeWord(w3)) {
			return false
		}
	}
	return controlFreeBytes(b[i:])
}

// controlFreeWord is controlFree of the 8 bytes of w: each byte under 0x20
// found exactly (bit 7 of its low 7 bits plus 0x60 is clear, and of
// itself), then told apart from tab and newlines. A byte at a time took
// as long as the rest of the text when lines are short.
func controlFreeWord(w uint64) bool {
	const low7, high, up = 0x7F7F7F7F7F7F7F7F, 0x8080808080808080, 0x6060606060606060
	for under := ^(w&low7 + up | w) & high; under != 0; under &= under - 1 {
		switch byte(w >> (bits.TrailingZeros64(under) - 7)) {
		case '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// controlFreeBytes is controlFree a byte at a time.
func controlFreeBytes(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// checkText reports whether data are UTF-8 (utf8.Valid) and, if they
// are, whether they hold no character XML 1.0 forbids (xmlCleanUTF8), for
// a post's text, checked once when a scan reads it and not again when its
// page reads it. UTF-8 is checked 32 bytes at a time (segmentio/asm's
// AVX2 code where the CPU has it), ten times as fast as utf8.Valid on CJK
// text, which it took a rune at a time: a fifth of a scan's CPU.
func checkText(data []byte) (valid, clean bool) {
	if !asmutf8.Valid(data) {
		return false, false
	}
	// The string is of data, which nothing changes while it is looked at.
	return true, xmlCleanUTF8(unsafe.String(unsafe.SliceData(data), len(data)))
}

// decodeText returns data as UTF-8. Text that is not UTF-8 is decoded as
// GB18030 when the result is clearly Chinese; anything else is an error.
// clean tells that data are UTF-8 holding no character XML forbids
// (checkText).
func decodeText(data []byte) (text []byte, asIs, clean bool, err error) {
	if valid, clean := checkText(data); valid {
		return data, true, clean, nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err == nil && looksChinese(out) {
		return out, false, false, nil
	}
	return nil, false, false, errors.New("not valid UTF-8 (nor clearly GB18030/GBK): save the file as UTF-8")
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
