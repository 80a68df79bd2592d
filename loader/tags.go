package loader

import (
	"bytes"
	"html"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// imageKeys are the front-matter fields that name a post's picture, in
// order of preference: the common fields, then those of popular themes
// (Butterfly's top_img, Fluid's index_img and banner_img, Hugo's images).
var imageKeys = []string{"image", "headimg", "thumbnail", "cover", "top_img", "index_img", "banner_img", "img", "images", "featured_image"}

// picture is the address a picture field gives: text, the first of a
// list, or a mapping's image, path, src or url (Hugo themes' cover.image,
// jekyll-seo-tag's image.path).
func picture(v *yaml.Node) string {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" || v.Tag == "!!bool" {
			return ""
		}
		return strings.TrimSpace(StripInvalidXML(v.Value))
	case yaml.SequenceNode:
		for _, it := range v.Content {
			if it = resolve(it, 0); it != nil {
				if s := picture(it); s != "" {
					return s
				}
			}
		}
	case yaml.MappingNode:
		return scalar(v, "image", "path", "src", "url")
	}
	return ""
}

// moreMark is Hexo's and Hugo's end of a summary.
var moreMark = regexp.MustCompile(`(?i)<!--\s*more\s*-->`)

// findMore is moreMark.FindIndex(body), the expression run only from the
// first "<!--": most bodies have none, and a search for "!--" (its first
// byte rare, unlike '<' in HTML) is many times as fast as the
// expression's own, which took a tenth of the CPU of reading a post for
// its page.
func findMore(body []byte) []int {
	for at := 0; ; {
		i := bytes.Index(body[at:], []byte("!--"))
		if i < 0 {
			return nil
		}
		if i += at; i > 0 && body[i-1] == '<' {
			loc := moreMark.FindIndex(body[i-1:])
			if loc == nil {
				return nil
			}
			return []int{loc[0] + i - 1, loc[1] + i - 1}
		}
		at = i + 1
	}
}

// excerpt is the HTML of the part of the body before its summary mark:
// <!-- more --> (Hexo, Hugo, a plain folder), or Jekyll's
// excerpt_separator; "" when the body has none.
func (p *parser) excerpt(body []byte, root *yaml.Node) (string, error) {
	var head []byte
	if s := p.opt.Site; s != nil && s.Dialect == Jekyll {
		sep := s.ExcerptSeparator
		if own := lookup(root, "excerpt_separator"); own != nil && own.Kind == yaml.ScalarNode {
			sep = own.Value
		}
		i := bytes.Index(bytes.TrimSpace(body), []byte(sep))
		if sep == "" || i < 0 {
			return "", nil
		}
		head = bytes.TrimSpace(body)[:i]
	} else if loc := findMore(body); loc != nil {
		head = body[:loc[0]]
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return "", nil
	}
	return p.body(head)
}

// expand turns the template tags of the site's generator in a body into
// plain HTML or Markdown, or removes them leaving their text: Hexo's tag
// plugins and Jekyll's Liquid ({% %}, {{ }}), Hugo's shortcodes ({{< >}},
// {{% %}}). A plain folder's body is left as written.
func (p *parser) expand(body []byte, post *Post, root *yaml.Node) []byte {
	s := p.opt.Site
	if s == nil || s.Dialect == Plain {
		return body
	}
	t := &tagger{p: p, post: post, site: s}
	if s.Dialect == Hugo {
		return []byte(t.shortcodes(string(body)))
	}
	if s.Dialect == Hexo {
		// Hexo leaves fenced code alone; Liquid, as Jekyll runs it, does not.
		return []byte(outsideFences(string(body), t.liquid))
	}
	return []byte(t.liquid(string(body)))
}

// fenceLine opens or closes a fenced code block.
var fenceLine = regexp.MustCompile("(?m)^ {0,3}(```|~~~)")

// outsideFences applies f to the text outside fenced code blocks.
func outsideFences(text string, f func(string) string) string {
	var b strings.Builder
	for {
		loc := fenceLine.FindStringIndex(text)
		if loc == nil {
			b.WriteString(f(text))
			return b.String()
		}
		b.WriteString(f(text[:loc[0]]))
		mark := strings.TrimSpace(text[loc[0]:loc[1]])
		end := strings.Index(text[loc[1]:], "\n"+mark)
		if end < 0 {
			b.WriteString(text[loc[0]:])
			return b.String()
		}
		stop := loc[1] + end + 1 + len(mark)
		b.WriteString(text[loc[0]:stop])
		text = text[stop:]
	}
}

// tagger renders the template tags of one post.
type tagger struct {
	p    *parser
	post *Post
	site *Site
}

// resolve is the address of another post named by a tag, "" when unknown.
func (t *tagger) resolve(kind, ref string) string {
	if t.p.opt.Resolve == nil {
		return ""
	}
	return t.p.opt.Resolve(t.p.name, kind, ref)
}

// codeBlock is code as an HTML block Markdown leaves alone.
func codeBlock(lang, code string) string {
	class := ""
	if lang != "" {
		class = ` class="language-` + html.EscapeString(lang) + `"`
	}
	return "\n\n<pre><code" + class + ">" + html.EscapeString(strings.Trim(code, "\n")) + "</code></pre>\n\n"
}

// args splits a tag's arguments: words, "quoted" or 'quoted' texts, and
// key=value pairs (in named).
func args(s string) (pos []string, named map[string]string) {
	named = map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		key := ""
		if i := strings.IndexAny(s, "= \t\"'`"); i > 0 && s[i] == '=' {
			key, s = s[:i], s[i+1:]
		}
		var val string
		if s != "" && strings.ContainsRune("\"'`", rune(s[0])) {
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				end = len(s) - 1
			}
			val, s = s[1:end+1], s[min(end+2, len(s)):]
		} else {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		if key != "" {
			named[key] = val
		} else {
			pos = append(pos, val)
		}
	}
	return pos, named
}
