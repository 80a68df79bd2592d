package loader

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The front matter most folders hold is a few lines of `key: value`, with
// lists of names in brackets or as `- name` lines. fastYAML reads that
// form into the node tree yaml.v3 makes of it, at a small part of
// yaml.v3's cost per file; anything else (comments, block or multi-line
// scalars, nesting, anchors, tags, escapes) is left to yaml.v3, which is
// the reference: the tests hold the two to the same trees.

// fastYAML returns the document yaml.v3 makes of text, UTF-8 (as parse
// has it from decodeText, which checked it), or ok false when text is not
// in the form it reads.
func fastYAML(text []byte) (doc *yaml.Node, ok bool) {
	lines := bytes.Split(text, []byte("\n"))
	// A key and its value, as a rule, on each line.
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*len(lines))}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if blank(l) {
			continue
		}
		key, rest, ok := fastKey(l)
		if !ok {
			return nil, false
		}
		if len(root.Content) == 0 {
			root.Line, root.Column = i+1, 1
		}
		k := scalarNode(key, 0, i+1, 1)
		var v *yaml.Node
		col := len(l) - len(rest) + 1 // the key and its colon are ASCII: a byte a column
		if blank(rest) {
			v, i, ok = fastBlockList(lines, i, col)
		} else {
			v, ok = fastValue(string(rest), i+1, col)
		}
		if !ok {
			return nil, false
		}
		root.Content = append(root.Content, k, v)
	}
	if len(root.Content) == 0 {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: 1, Content: []*yaml.Node{root}}, true
}

// fastKey splits a line `key: rest` (rest after the space) or `key:`;
// the key made of letters, digits, _ and -, starting with a letter or _.
func fastKey(l []byte) (key string, rest []byte, ok bool) {
	i := 0
	for i < len(l) && (l[i] == '_' || l[i] == '-' || 'a' <= l[i]|0x20 && l[i]|0x20 <= 'z' || i > 0 && '0' <= l[i] && l[i] <= '9') {
		if i == 0 && l[i] == '-' {
			return "", nil, false
		}
		i++
	}
	if i == 0 || i == len(l) || l[i] != ':' || i+1 < len(l) && l[i+1] != ' ' {
		return "", nil, false
	}
	return string(l[:i]), l[i+1:], true
}

// fastBlockList reads the `- item` lines after the key on line at (0-based)
// whose colon ends at column col: a list, or a null when none follow. It
// returns the last line it read.
func fastBlockList(lines [][]byte, at, col int) (*yaml.Node, int, bool) {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	indent := -1
	last := at
	for j := at + 1; j < len(lines); j++ {
		l := lines[j]
		if blank(l) {
			continue
		}
		n := len(l) - len(bytes.TrimLeft(l, " "))
		if n == 0 && l[0] != '-' {
			break // the next key
		}
		if indent >= 0 && n != indent || len(l) < n+2 || l[n] != '-' || l[n+1] != ' ' {
			return nil, 0, false
		}
		if indent < 0 {
			indent = n
			seq.Line, seq.Column = j+1, n+1
		}
		item := l[n+2:]
		lead := len(item) - len(bytes.TrimLeft(item, " "))
		v, ok := fastScalar(string(item[lead:]), j+1, n+3+lead, false)
		if !ok {
			return nil, 0, false
		}
		seq.Content = append(seq.Content, v)
		last = j
	}
	if indent < 0 {
		return scalarNode("", 0, at+1, col), at, true
	}
	return seq, last, true
}

// fastValue reads the value after a key: a scalar or a [list].
func fastValue(s string, line, col int) (*yaml.Node, bool) {
	lead := len(s) - len(strings.TrimLeft(s, " "))
	s, col = s[lead:], col+lead
	if !strings.HasPrefix(s, "[") {
		return fastScalar(s, line, col, false)
	}
	end := strings.TrimRight(s, " ")
	if !strings.HasSuffix(end, "]") {
		return nil, false
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line, Column: col}
	inner, at := end[1:len(end)-1], col+1
	if strings.TrimSpace(inner) == "" {
		return seq, true
	}
	for _, item := range splitFlow(inner) {
		lead := len(item) - len(strings.TrimLeft(item, " "))
		v, ok := fastScalar(strings.TrimRight(item[lead:], " "), line, at+utf8.RuneCountInString(item[:lead]), true)
		if !ok {
			return nil, false
		}
		seq.Content = append(seq.Content, v)
		at += utf8.RuneCountInString(item) + 1
	}
	return seq, true
}

// splitFlow splits the inside of a [list] at its commas, outside quotes.
// A quote left open leaves a piece that fastScalar refuses.
func splitFlow(s string) []string {
	var out []string
	start, quote := 0, byte(0)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// fastScalar reads a scalar written on one line at column col: quoted
// (in single quotes, a quote in it doubled, or in double quotes without
// escapes) or plain. flow says it is an item
// of a [list], where commas and brackets end a plain scalar.
func fastScalar(s string, line, col int, flow bool) (*yaml.Node, bool) {
	s = strings.TrimRight(s, " ")
	if s == "" || !yamlPrintable(s) {
		return nil, false
	}
	switch s[0] {
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' {
			return nil, false
		}
		in := s[1 : len(s)-1]
		if strings.Contains(strings.ReplaceAll(in, "''", ""), "'") {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.SingleQuotedStyle, Tag: "!!str",
			Value: strings.ReplaceAll(in, "''", "'"), Line: line, Column: col}, true
	case '"':
		in := s[1:]
		if len(s) < 2 || s[len(s)-1] != '"' || strings.ContainsAny(in[:len(in)-1], "\"\\") {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: "!!str",
			Value: in[:len(in)-1], Line: line, Column: col}, true
	}
	if !plainSafe(s, flow) {
		return nil, false
	}
	n := scalarNode(s, 0, line, col)
	return n, n != nil
}

// plainSafe reports whether s is a plain scalar read as written: no
// indicator first, nothing that starts a comment or a mapping, and in a
// [list] nothing that ends an item.
func plainSafe(s string, flow bool) bool {
	if strings.ContainsRune("-?:,[]{}#&*!|>'\"%@`<=~", rune(s[0])) && s != "~" {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	return !flow || !strings.ContainsAny(s, ",[]{}:#")
}

// yamlPrintable reports whether s holds only characters yaml.v3 reads in a
// scalar as they are: no tabs or other control characters, no BOM.
func yamlPrintable(s string) bool {
	for _, r := range s {
		switch {
		case r >= 0x20 && r <= 0x7e:
		case r == 0x85 || r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd && r != 0xfeff || r >= 0x10000 && r <= 0x10ffff:
		default:
			return false
		}
	}
	return true
}

// scalarNode is the node of a plain scalar, its tag resolved as yaml.v3
// resolves it; nil where yaml.v3 would read it as something fastYAML does
// not make (a special float, a merge key).
func scalarNode(s string, style yaml.Style, line, col int) *yaml.Node {
	tag := plainTag(s)
	if tag == "" {
		return nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Style: style, Tag: tag, Value: s, Line: line, Column: col}
}

// plainTag is the tag yaml.v3 gives the plain scalar s (its resolve), or
// "" for those fastYAML leaves to it.
func plainTag(s string) string {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	}
	if c := s[0]; c != '+' && c != '-' && c != '.' && (c < '0' || c > '9') {
		return "!!str"
	}
	if s[0] == '.' || strings.HasSuffix(strings.ToLower(s), "inf") || strings.HasSuffix(strings.ToLower(s), "nan") {
		return "" // a float of yaml's own spelling, maybe
	}
	if yamlTimestamp(s) {
		return "!!timestamp"
	}
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return "!!int"
	}
	if yamlFloat.MatchString(plain) {
		if _, err := strconv.ParseFloat(plain, 64); err == nil {
			return "!!float"
		}
	}
	for _, p := range []string{"0b", "-0b", "0o", "-0o"} {
		if strings.HasPrefix(plain, p) {
			return "" // yaml.v3's own bases: rare in front matter
		}
	}
	return "!!str"
}

var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// yamlTimestamp reports whether yaml.v3 reads the plain scalar s as a
// timestamp.
func yamlTimestamp(s string) bool {
	if len(s) < 5 || s[4] != '-' || strings.IndexFunc(s[:4], func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return false
	}
	for _, f := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// blank reports whether a line holds nothing but spaces.
func blank(l []byte) bool { return len(bytes.TrimLeft(l, " ")) == 0 }
