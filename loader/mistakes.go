package loader

import (
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// What a post's author most likely got wrong: read as far as it can be,
// with a warning that check prints.

// isWebLink reports whether a post's link can be used: an http(s) URL, or
// one relative to the site (a path), which feeds resolve against it.
func isWebLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "":
		return u.Host == "" // "//host/x" takes the site's scheme: fine, but "/x" is too
	}
	return false
}

// flag reads draft: or published: and reports whether it says what want
// says (true for draft, false for published). A value that is not a YAML
// boolean is read as far as it can be (yes, on, 1 as true) with a warning,
// since it is most likely a mistake.
func (p *parser) flag(k, v *yaml.Node, want bool) bool {
	if v.Kind != yaml.ScalarNode {
		p.warn(p.line(v), "%s: not true or false: ignored", k.Value)
		return false
	}
	if v.Tag == "!!bool" {
		return isTrue(v.Value) == want
	}
	val := isTrue(v.Value) || v.Value == "1"
	if !val && !isFalse(v.Value) && v.Value != "0" {
		p.warn(p.line(v), "%s: %q is not true or false: ignored (write %s: true or %s: false)", k.Value, clip(v.Value, 40), k.Value, k.Value)
		return false
	}
	p.warn(p.line(v), "%s: %q is not a boolean: read as %t (write %s: %t)", k.Value, clip(v.Value, 40), val, k.Value, val)
	return val == want
}
