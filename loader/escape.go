package loader

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escaped is the problem as Error prints it, made safe for a terminal: a
// path holding a character that is not printable (a newline that would
// forge a line of output, an escape sequence that would colour or move the
// cursor, a bidirectional override that would reorder it) is printed
// quoted, as Go quotes strings; such characters in the message are
// escaped. Other text, CJK included, is printed as it is.
func (p *Problem) Escaped() string {
	q := *p
	if !printable(p.Path) {
		q.Path = strconv.Quote(p.Path)
	}
	q.Msg = EscapeText(p.Msg)
	return q.Error()
}

// EscapeText replaces the characters of s that a terminal would not print
// as themselves with Go escapes (\n, \x1b, \u202e).
func EscapeText(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isShown(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

func printable(s string) bool {
	for _, r := range s {
		if !isShown(r) { // an invalid byte is RuneError, not shown
			return false
		}
	}
	return true
}

// isShown reports whether r prints as itself: not a control, not invalid,
// not a format character (bidirectional controls, zero-width joiners are
// escaped too: they can disguise a name).
func isShown(r rune) bool {
	return r != unicode.ReplacementChar && (unicode.IsPrint(r) || r == ' ') && !unicode.Is(unicode.Cf, r)
}
