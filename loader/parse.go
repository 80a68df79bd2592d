package loader

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
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
	// Site, when set, is the site around the post: the post is read in
	// its generator's dialect, and its Link made from the site's
	// permalink pattern.
	Site *Site
	// Resolve, when set, gives the address of another post of the site
	// named in a post's text ({% post_url %}, {{< ref >}}); from is the
	// naming post's path, kind the tag's name. "" when it is unknown.
	Resolve func(from, kind, ref string) string
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
	name   string
	opt    Options
	sum    string // digest of the file: Post.Sum
	fmLine int    // line of the file where the YAML block starts
	clean  bool   // the text is UTF-8 with no character XML forbids: body strips none
	// lend: a body that is a part of the text as it is may be given as
	// it is, not copied (Post.WithFull).
	lend     bool
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
	text, asIs, clean, err := decodeText(data)
	if err != nil {
		return nil, p.fail(lineOf(data, invalidAt(data)), "%v", err)
	}
	p.clean = clean
	text = bytes.TrimPrefix(text, []byte("\ufeff"))
	if bytes.Contains(text, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}

	fm, body, err := p.split(text)
	if err != nil {
		return nil, err
	}
	root, err := p.decode(fm)
	if err != nil {
		return nil, err
	}

	if err := p.checkShape(root); err != nil {
		return nil, err
	}
	if err := p.checkKeys(root); err != nil {
		return nil, err
	}

	post := &Post{Path: p.name, Sum: p.sum, utf8: asIs, xml: clean, size: int64(len(data))}
	if err := p.fields(post, root); err != nil {
		return nil, err
	}
	if err := p.dialect(post, root); err != nil {
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

	if isMarkdown(p.name) { // before NoBody: a post too complex to read is rejected now
		if err := p.checkMarkdown(body, 1+bytes.Count(text[:len(text)-len(body)], []byte("\n"))); err != nil {
			return nil, err
		}
	}
	if p.opt.NoBody {
		return post, nil
	}
	body = p.expand(body, post, root)
	if post.Summary == "" {
		if post.Summary, err = p.excerpt(body, root); err != nil {
			return nil, err
		}
	}
	if post.Body, err = p.body(body); err != nil {
		return nil, err
	}
	return post, nil
}

func (p *parser) fields(post *Post, root *yaml.Node) error {
	image := make([]string, len(imageKeys))
	var summary, link [4]string
	var linkLine [4]int
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
		case "image", "headimg", "thumbnail", "cover", "top_img", "index_img", "banner_img", "img", "images", "featured_image":
			image[slot(key, imageKeys...)] = picture(v)
		case "description", "excerpt", "summary":
			summary[slot(key, "description", "excerpt", "summary")], err = p.text(k, v)
		case "link", "permalink", "url":
			i := slot(key, "link", "permalink", "url")
			link[i], err = p.text(k, v)
			linkLine[i] = p.line(v)
		case "lang", "language":
			post.Lang, err = p.text(k, v)
		case "draft":
			post.Draft = post.Draft || p.flag(k, v, true)
		case "published":
			post.Draft = post.Draft || p.flag(k, v, false)
		}
		if err != nil {
			return err
		}
	}
	post.Image = first(image)
	post.Summary = first(summary[:])
	post.Link = first(link[:])
	if post.Link != "" && !isWebLink(post.Link) {
		p.warn(linkLine[slices.Index(link[:], post.Link)], "link %q is not an http(s) URL: the post links to its page on this site instead", clip(post.Link, 60))
	}
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
