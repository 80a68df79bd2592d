package feed

import "bytes"

// The RSS Advisory Board's best practices (and feed validators, which warn
// otherwise) want '&' and '<' in RSS's plain-text elements written as
// hexadecimal character references, &#x26; and &#x3C;, rather than &amp;
// and &lt;: some readers decode an element's text twice, and a named
// entity then reads as markup. hexRefs rewrites what encoding/xml wrote.
// The meaning of every element and attribute is unchanged (a character
// reference is the character), and CDATA sections, whose text is not
// escaped, are left as they are.

var (
	cdataOpen  = []byte("<![CDATA[")
	cdataClose = []byte("]]>")
	entAmp     = []byte("&amp;")
	entLt      = []byte("&lt;")
)

// hexRefs returns b with &amp; and &lt; outside CDATA sections written as
// &#x26; and &#x3C;: b itself when it has neither.
func hexRefs(b []byte) []byte {
	if !bytes.Contains(b, entAmp) && !bytes.Contains(b, entLt) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/16)
	for len(b) > 0 {
		text, rest := b, []byte(nil)
		if i := bytes.Index(b, cdataOpen); i >= 0 {
			text = b[:i]
			end := bytes.Index(b[i:], cdataClose)
			if end < 0 { // not XML we wrote: leave the rest alone
				end = len(b) - i - len(cdataClose)
			}
			rest = b[i : i+end+len(cdataClose)]
			b = b[i+end+len(cdataClose):]
		} else {
			b = nil
		}
		out = appendHexRefs(out, text)
		out = append(out, rest...)
	}
	return out
}

// appendHexRefs appends text to out with &amp; and &lt; rewritten.
func appendHexRefs(out, text []byte) []byte {
	for {
		i := bytes.IndexByte(text, '&')
		if i < 0 {
			return append(out, text...)
		}
		out = append(out, text[:i]...)
		switch rest := text[i:]; {
		case bytes.HasPrefix(rest, entAmp):
			out = append(out, "&#x26;"...)
			text = rest[len(entAmp):]
		case bytes.HasPrefix(rest, entLt):
			out = append(out, "&#x3C;"...)
			text = rest[len(entLt):]
		default:
			out = append(out, '&')
			text = rest[1:]
		}
	}
}
