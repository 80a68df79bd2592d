package loader

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"gopkg.in/yaml.v3"
)

// Options control how a post is read. The zero value reads dates without
// a zone as UTC.
type Options struct {
	Location *time.Location // zone for dates written without one
	// ModTime, when not zero, is used as the date of a post that has none
	// (with a warning) instead of rejecting it.
	ModTime time.Time
	// NoBody leaves Post.Body empty, for a caller that reads it later.
	NoBody bool
}

// extensions are the file endings read as posts (IsPostFile). Read only.
var extensions = map[string]bool{".md": true, ".markdown": true, ".txt": true, ".html": true}

const (
	maxCategories = 256
	maxAliasDepth = 8
	maxExpanded   = 10000 // nodes the front matter may stand for, aliases expanded
)

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(html.WithUnsafe()), // raw HTML passes, as in Hexo
)

// Parse reads one post from its bytes. name is the post's slash-separated
// path relative to the seed folder; it names the post in problems and picks
// the body's syntax by its extension. A rejected post gives a *Problem as
// error; warnings about an accepted post come back beside it.
func Parse(name string, data []byte, opt Options) (*Post, []*Problem, error) {
	return parse(name, data, digest(data), opt)
}

// parse is Parse of data whose digest is sum, for a caller that has it.
func parse(name string, data []byte, sum string, opt Options) (*Post, []*Problem, error) {
	p := &parser{name: name, opt: opt, sum: sum}
	post, err := p.parse(data)
	if err != nil {
		var prob *Problem
		if !errors.As(err, &prob) {
			prob = &Problem{Path: name, Msg: err.Error()}
		}
		return nil, p.warnings, prob
	}
	return post, p.warnings, nil
}

type parser struct {
	name     string
	opt      Options
	sum      string // digest of the file: Post.Sum
	fmLine   int    // line of the file where the YAML block starts
	warnings []*Problem
}

func (p *parser) fail(line int, format string, args ...any) error {
	return &Problem{Path: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) warn(line int, format string, args ...any) {
	p.warnings = append(p.warnings, &Problem{Path: p.name, Line: line, Msg: fmt.Sprintf(format, args...), Warn: true})
}

func (p *parser) parse(data []byte) (*Post, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, p.fail(1, "empty file")
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, p.fail(lineOf(data, invalidAt(data)), "%v", err)
	}
	text = bytes.TrimPrefix(text, []byte("\ufeff"))
	if bytes.Contains(text, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}

	front, body, err := p.split(text)
	if err != nil {
		return nil, err
	}
	doc, err := p.yaml(front)
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

	if err := p.checkKeys(root); err != nil {
		return nil, err
	}

	post := &Post{Path: p.name, Sum: p.sum}
	if err := p.fields(post, root); err != nil {
		return nil, err
	}
	if post.Title == "" {
		post.Title = titleFromName(p.name)
		p.warn(p.fmLine, "no title: using %q from the file name", post.Title)
	}
	if post.Date.IsZero() {
		if p.opt.ModTime.IsZero() {
			return nil, p.fail(p.fmLine, "no date: add a date: field (e.g. 2024-01-20 08:00)")
		}
		post.Date = p.opt.ModTime
		p.warn(p.fmLine, "no date: using the file's modification time")
	}
	if post.Updated.IsZero() || post.Updated.Before(post.Date) {
		post.Updated = post.Date
	}

	if p.opt.NoBody {
		return post, nil
	}
	if post.Body, err = p.body(body); err != nil {
		return nil, err
	}
	return post, nil
}

// body is the HTML of a post's body: Markdown rendered, characters XML
// forbids dropped.
func (p *parser) body(body []byte) (string, error) {
	body = bytes.TrimSpace(body)
	switch strings.ToLower(path.Ext(p.name)) {
	case ".md", ".markdown":
		var buf bytes.Buffer
		if err := markdown.Convert(body, &buf); err != nil {
			return "", p.fail(0, "markdown: %v", err)
		}
		return StripInvalidXML(buf.String()), nil
	default:
		return StripInvalidXML(string(body)), nil
	}
}

// parseBody is the body that Parse gives a file it accepted, found without
// reading the front matter again; sum is the file's Post.Sum.
func parseBody(name string, data []byte, sum string) (string, error) {
	p := &parser{name: name}
	if got := digest(data); got != sum {
		return "", fmt.Errorf("loader: %s: changed since it was read", name)
	}
	text, err := decodeText(data)
	if err != nil {
		return "", err
	}
	text = bytes.TrimPrefix(text, []byte("\ufeff"))
	if bytes.Contains(text, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}
	_, body, err := p.split(text)
	if err != nil {
		return "", err
	}
	return p.body(body)
}

// split finds the front matter between the first two --- lines. Blank lines
// may stand before the first.
func (p *parser) split(text []byte) (front, body []byte, err error) {
	line := 0
	rest := text
	for {
		if len(rest) == 0 {
			return nil, nil, p.fail(1, "no front matter: the file has only blank lines")
		}
		line++
		l, next := cutLine(rest)
		if len(bytes.TrimSpace(l)) == 0 {
			rest = next
			continue
		}
		if !isFence(l) {
			return nil, nil, p.fail(line, "no front matter: expected a --- line, found %q", clip(string(l), 40))
		}
		rest = next
		break
	}
	open := line
	p.fmLine = line + 1
	start := rest
	n := 0
	for len(rest) > 0 {
		l, next := cutLine(rest)
		line++
		if isFence(l) {
			return start[:n], next, nil
		}
		n += len(rest) - len(next)
		rest = next
	}
	return nil, nil, p.fail(open, "unclosed front matter: no --- line ends the block opened here")
}

func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

func isFence(l []byte) bool {
	return string(bytes.TrimRight(l, " \t")) == "---"
}

func (p *parser) fields(post *Post, root *yaml.Node) error {
	var image, summary, link [4]string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1], 0)
		if v == nil {
			return p.fail(p.line(k), "%s: alias nested too deeply", k.Value)
		}
		key := strings.ToLower(k.Value)
		var err error
		switch key {
		case "title":
			post.Title, err = p.text(k, v)
		case "date":
			post.Date, err = p.date(k, v)
			if err == nil && post.Date.IsZero() {
				err = p.fail(p.line(v), "date is empty")
			}
		case "updated", "modified", "lastmod":
			var t time.Time
			if t, err = p.date(k, v); err != nil {
				p.warn(p.line(v), "ignoring %s: %v", key, err.(*Problem).Msg)
				err = nil
			} else if t.After(post.Updated) {
				post.Updated = t
			}
		case "categories", "category":
			post.Categories, err = p.list(k, v, post.Categories)
		case "tags", "tag":
			post.Tags, err = p.list(k, v, post.Tags)
		case "author":
			post.Author, err = p.author(k, v)
		case "image", "headimg", "thumbnail", "cover":
			image[slot(key, "image", "headimg", "thumbnail", "cover")], err = p.text(k, v)
		case "description", "excerpt", "summary":
			summary[slot(key, "description", "excerpt", "summary")], err = p.text(k, v)
		case "link", "permalink", "url":
			link[slot(key, "link", "permalink", "url")], err = p.text(k, v)
		case "lang", "language":
			post.Lang, err = p.text(k, v)
		case "draft":
			post.Draft = post.Draft || v.Kind == yaml.ScalarNode && isTrue(v.Value)
		case "published":
			post.Draft = post.Draft || v.Kind == yaml.ScalarNode && isFalse(v.Value)
		}
		if err != nil {
			return err
		}
	}
	post.Image = first(image[:])
	post.Summary = first(summary[:])
	post.Link = first(link[:])
	return nil
}

func slot(key string, names ...string) int {
	for i, n := range names {
		if n == key {
			return i
		}
	}
	return len(names) - 1
}

func first(vals []string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// resolve follows aliases to the node they name. It never expands a
// structure, so an alias bomb costs nothing here.
func resolve(n *yaml.Node, depth int) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		if depth++; depth > maxAliasDepth {
			return nil
		}
		n = n.Alias
	}
	return n
}

// text reads a scalar as text. A null is empty; a list or a mapping is an
// error.
func (p *parser) text(k, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.fail(p.line(v), "%s must be text, not %s", k.Value, kindName(v))
	}
	if v.Tag == "!!null" {
		return "", nil
	}
	return strings.TrimSpace(StripInvalidXML(v.Value)), nil
}

func (p *parser) date(k, v *yaml.Node) (time.Time, error) {
	s, err := p.text(k, v)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := ParseDate(s, p.opt.Location)
	if err != nil {
		return time.Time{}, p.fail(p.line(v), "%s: %v", k.Value, err)
	}
	return t, nil
}

// list reads a string, a list, or Hexo's list of lists, appending each name
// not already in acc.
func (p *parser) list(k, v *yaml.Node, acc []string) ([]string, error) {
	add := func(n *yaml.Node) error {
		s, err := p.text(k, n)
		if err != nil || s == "" {
			return err
		}
		for _, have := range acc {
			if have == s {
				return nil
			}
		}
		if len(acc) >= maxCategories {
			return p.fail(p.line(n), "%s: more than %d names", k.Value, maxCategories)
		}
		acc = append(acc, s)
		return nil
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return acc, add(v)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			item = resolve(item, 0)
			if item == nil {
				return nil, p.fail(p.line(v), "%s: alias nested too deeply", k.Value)
			}
			if item.Kind != yaml.SequenceNode {
				if err := add(item); err != nil {
					return nil, err
				}
				continue
			}
			for _, sub := range item.Content { // Hexo: [[parent, child], [other]]
				if sub = resolve(sub, 0); sub == nil || sub.Kind != yaml.ScalarNode {
					return nil, p.fail(p.line(item), "%s: a list inside a list must hold names only", k.Value)
				}
				if err := add(sub); err != nil {
					return nil, err
				}
			}
		}
		return acc, nil
	}
	return nil, p.fail(p.line(v), "%s must be a name or a list of names, not %s", k.Value, kindName(v))
}

func (p *parser) author(k, v *yaml.Node) (Author, error) {
	if v.Kind == yaml.ScalarNode {
		s, err := p.text(k, v)
		return Author{Name: s}, err
	}
	if v.Kind != yaml.MappingNode {
		return Author{}, p.fail(p.line(v), "author must be a name or {name, email}, not %s", kindName(v))
	}
	var a Author
	for i := 0; i+1 < len(v.Content); i += 2 {
		fk, fv := v.Content[i], resolve(v.Content[i+1], 0)
		if fv == nil || fv.Kind != yaml.ScalarNode {
			return Author{}, p.fail(p.line(fk), "author.%s must be text", fk.Value)
		}
		s, _ := p.text(fk, fv)
		switch strings.ToLower(fk.Value) {
		case "name":
			a.Name = s
		case "email", "mail":
			a.Email = s
		case "url", "link", "uri":
			a.URL = s
		}
	}
	return a, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return "a " + strings.TrimPrefix(n.Tag, "!!")
	}
	return "an alias"
}

func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true
	}
	return false
}

func isFalse(s string) bool {
	switch strings.ToLower(s) {
	case "false", "no", "off":
		return true
	}
	return false
}

// titleFromName makes a title of a file name: 2024/hello-world.md gives
// "hello world".
func titleFromName(name string) string {
	base := path.Base(name)
	base = strings.TrimSuffix(base, path.Ext(base))
	t := strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(base))
	if t == "" {
		return base
	}
	return t
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
