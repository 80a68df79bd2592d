package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// The forms of front matter, as the generators write them:
//
//	---            YAML (Hexo, Hugo, Jekyll); Hexo lets the opening line go
//	+++            TOML (Hugo)
//	{ ... }        JSON (Hugo): one object, the body after it
//	;;;            JSON without its braces (Hexo); the opening line optional
//
// Separators of three or more characters are accepted, as hexo-front-matter
// accepts them.
type fmKind int

const (
	fmYAML fmKind = iota
	fmTOML
	fmJSON     // a whole object
	fmHexoJSON // the members of an object, between ;;; lines
)

// frontMatter is the front matter block of a file, not yet decoded.
type frontMatter struct {
	kind fmKind
	text []byte
}

// split finds the front matter and the body. Blank lines may stand before
// the front matter. It sets p.fmLine, the file's line where the block's
// text starts.
func (p *parser) split(text []byte) (fm frontMatter, body []byte, err error) {
	line := 0
	rest := text
	for {
		if len(rest) == 0 {
			return fm, nil, p.fail(1, "no front matter: the file has only blank lines")
		}
		l, next := cutLine(rest)
		line++
		if len(bytes.TrimSpace(l)) > 0 {
			break
		}
		rest = next
	}
	first, _ := cutLine(rest)
	switch {
	case fence(first, '-'):
		return p.fenced(rest, line, '-', fmYAML)
	case fence(first, '+'):
		return p.fenced(rest, line, '+', fmTOML)
	case fence(first, ';'):
		return p.fenced(rest, line, ';', fmHexoJSON)
	case first[0] == '{':
		return p.jsonObject(rest, line)
	}
	// Hexo: the opening --- (or ;;;) may be left out.
	if fm, body, ok := p.unopened(rest, line); ok {
		return fm, body, nil
	}
	return fm, nil, p.fail(line, "no front matter: expected a --- line, found %q", clip(string(first), 40))
}

// fenced reads a block opened by the fence line that starts text (on line
// open) and closed by the next fence line of the same character c.
func (p *parser) fenced(text []byte, open int, c byte, kind fmKind) (frontMatter, []byte, error) {
	_, rest := cutLine(text)
	p.fmLine = open + 1
	start, n := rest, 0
	for len(rest) > 0 {
		l, next := cutLine(rest)
		if fence(l, c) {
			return frontMatter{kind: kind, text: start[:n]}, next, nil
		}
		n += len(rest) - len(next)
		rest = next
	}
	return frontMatter{}, nil, p.fail(open, "unclosed front matter: no %s line ends the block opened here", strings.Repeat(string(c), 3))
}

// unopened reads Hexo's front matter without its opening line: the text
// up to the first --- (or ;;;) line, if it is a mapping of keys to values.
func (p *parser) unopened(text []byte, line int) (frontMatter, []byte, bool) {
	rest, n := text, 0
	for len(rest) > 0 {
		l, next := cutLine(rest)
		for _, f := range []struct {
			c    byte
			kind fmKind
		}{{'-', fmYAML}, {';', fmHexoJSON}} {
			if !fence(l, f.c) {
				continue
			}
			fm := frontMatter{kind: f.kind, text: text[:n]}
			p.fmLine = line
			if root, err := p.decode(fm); err == nil && root.Kind == yaml.MappingNode {
				return fm, next, true
			}
			return frontMatter{}, nil, false
		}
		n += len(rest) - len(next)
		rest = next
	}
	return frontMatter{}, nil, false
}

// jsonObject reads Hugo's JSON front matter: an object at the start of
// text, the body after it.
func (p *parser) jsonObject(text []byte, line int) (frontMatter, []byte, error) {
	p.fmLine = line
	dec := json.NewDecoder(bytes.NewReader(text))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		at := line
		var se *json.SyntaxError
		if errors.As(err, &se) {
			at = line + bytes.Count(text[:min(int(se.Offset), len(text))], []byte("\n"))
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			return frontMatter{}, nil, p.fail(line, "unclosed front matter: no } ends the JSON object opened here")
		}
		return frontMatter{}, nil, p.fail(at, "malformed JSON front matter: %v", err)
	}
	end := int(dec.InputOffset())
	body := text[end:]
	if l, next := cutLine(body); len(bytes.TrimSpace(l)) == 0 {
		body = next
	}
	return frontMatter{kind: fmJSON, text: text[:end]}, body, nil
}

// fence reports whether l is a separator line: three or more c, then
// only spaces.
func fence(l []byte, c byte) bool {
	l = bytes.TrimRight(l, " \t")
	if len(l) < 3 {
		return false
	}
	for _, b := range l {
		if b != c {
			return false
		}
	}
	return true
}

func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// decode parses the front matter into the root of a YAML node tree,
// whatever its form: JSON is read as YAML (a subset of it, line numbers
// kept), TOML is turned into nodes.
func (p *parser) decode(fm frontMatter) (*yaml.Node, error) {
	var doc *yaml.Node
	var err error
	switch fm.kind {
	case fmTOML:
		return p.toml(fm.text)
	case fmHexoJSON:
		// hexo-front-matter parses "{" + text + "}".
		doc, err = p.yaml(append(append([]byte("{"), fm.text...), '}'))
	default:
		var ok bool
		if doc, ok = fastYAML(fm.text); !ok {
			doc, err = p.yaml(fm.text)
		}
	}
	if err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, p.fail(p.fmLine, "empty front matter")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, p.fail(p.line(root), "front matter must be a mapping of keys to values, not %s", kindName(root))
	}
	return root, nil
}

// toml parses TOML front matter into YAML nodes, keys in the order
// written. TOML dates become text read as ParseDate reads them: a local
// date-time in the configured zone.
func (p *parser) toml(text []byte) (*yaml.Node, error) {
	var m map[string]any
	md, err := toml.Decode(string(text), &m)
	if err != nil {
		line := p.fmLine
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line = p.fmLine + pe.Position.Line - 1
			err = errors.New(pe.Message)
		}
		return nil, p.fail(line, "malformed TOML front matter: %v", err)
	}
	if len(m) == 0 {
		return nil, p.fail(p.fmLine, "empty front matter")
	}
	order := map[string]int{}
	for i, k := range md.Keys() {
		if len(k) == 1 {
			order[k[0]] = i
		}
	}
	return tomlNode(m, order), nil
}

// tomlNode is the YAML node of a decoded TOML value. order, when given,
// orders a table's keys; otherwise they are sorted.
func tomlNode(v any, order map[string]int) *yaml.Node {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			if oa, ob := order[a], order[b]; oa != ob {
				return oa - ob
			}
			return strings.Compare(a, b)
		})
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, tomlNode(v[k], nil))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			n.Content = append(n.Content, tomlNode(e, nil))
		}
		return n
	case []map[string]any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			n.Content = append(n.Content, tomlNode(e, nil))
		}
		return n
	case time.Time:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: tomlTime(v)}
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}
	default:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v)}
	}
}

// tomlTime writes a TOML date as ParseDate reads it: with its offset, or
// without one (a local date-time or date) to be read in the configured
// zone.
func tomlTime(t time.Time) string {
	switch t.Location().String() { // the library's zones of local values
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.Format("2006-01-02")
	case "time-local":
		return t.Format("15:04:05")
	}
	return t.Format(time.RFC3339Nano)
}
