package feed

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxSlug is the longest slug in bytes: a folder name well under the 255
// bytes file systems allow.
const maxSlug = 100

// Slug makes a URL path segment and a folder name of a category or post
// name. It keeps CJK and other letters readable (金融 stays 金融), folds
// width and case (ＡＩ and ai share a slug), turns white space into "-", and
// can never be empty, "." or "..", start with "." or "-", nor contain "/",
// "\", controls or characters that URLs or file systems treat specially.
// Names that share a slug share a feed.
func Slug(name string) string {
	s := strings.ToLower(norm.NFKC.String(name))
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '_' || r == '.' || r == '+' || r == '@':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default: // space, punctuation, symbols, controls, / \ ? # % ...
			dash = true
		}
	}
	// The hash is of the folded name, so that names sharing a slug when
	// short still share one when long.
	out := strings.Trim(b.String(), ".-")
	if len(out) > maxSlug {
		cut := maxSlug - 9
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		if out = strings.Trim(out[:cut], ".-"); out != "" {
			return out + "-" + hash8(s)
		}
	}
	if out == "" {
		return "c-" + hash8(s)
	}
	if out == "index.html" { // the folder would take the place of /categories/'s page
		return out + "-" + hash8(s)
	}
	return out
}

func hash8(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}
