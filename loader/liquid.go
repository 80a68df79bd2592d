package loader

import (
	"html"
	"net/url"
	"regexp"
	"strings"
)

// Liquid (Jekyll) and Nunjucks (Hexo's tag plugins) share their syntax:
// {% name args %} ... {% endname %}, and {{ expression }}.
var (
	liquidTag = regexp.MustCompile(`(?s)\{%-?\s*([A-Za-z_]\w*)(.*?)-?%\}`)
	liquidOut = regexp.MustCompile(`(?s)\{\{-?(.*?)-?\}\}`)
)

// liquid renders the tags of text.
func (t *tagger) liquid(text string) string {
	var b strings.Builder
	for {
		loc := liquidTag.FindStringSubmatchIndex(text)
		if loc == nil {
			b.WriteString(t.outputs(text))
			return b.String()
		}
		b.WriteString(t.outputs(text[:loc[0]]))
		name, arg := text[loc[2]:loc[3]], strings.TrimSpace(text[loc[4]:loc[5]])
		rest := text[loc[1]:]
		end := regexp.MustCompile(`\{%-?\s*end` + regexp.QuoteMeta(name) + `\s*-?%\}`).FindStringIndex(rest)
		if end == nil || name == "else" || name == "elsif" || name == "when" {
			b.WriteString(t.single(name, arg))
			text = rest
			continue
		}
		b.WriteString(t.block(name, arg, rest[:end[0]]))
		text = rest[end[1]:]
	}
}

// block renders a tag with a body.
func (t *tagger) block(name, arg, inner string) string {
	switch name {
	case "raw":
		return inner
	case "comment":
		return ""
	case "codeblock", "code", "highlight", "backtick_code":
		return codeBlock(codeLang(arg), inner)
	case "blockquote", "quote", "pullquote":
		foot := ""
		if name == "blockquote" && arg != "" {
			author, source, _ := strings.Cut(arg, ",")
			foot = "<footer><strong>" + html.EscapeString(strings.TrimSpace(author)) + "</strong>"
			if source = strings.TrimSpace(source); source != "" {
				foot += "<cite>" + html.EscapeString(source) + "</cite>"
			}
			foot += "</footer>"
		}
		return "\n\n<blockquote>\n\n" + t.liquid(inner) + "\n\n" + foot + "</blockquote>\n\n"
	}
	// Any other: its text stays (a theme's note, a loop, a condition).
	return t.liquid(inner)
}

// codeLang is the language of a code tag's arguments: Hexo's lang:x, or
// Jekyll's first word.
func codeLang(arg string) string {
	pos, _ := args(arg)
	for _, a := range pos {
		if l, ok := strings.CutPrefix(a, "lang:"); ok {
			return l
		}
	}
	if len(pos) > 0 && !strings.Contains(arg, "lang:") && !strings.Contains(pos[0], ".") {
		return pos[0] // Jekyll: {% highlight ruby linenos %}
	}
	return ""
}

// single renders a tag without a body.
func (t *tagger) single(name, arg string) string {
	pos, _ := args(arg)
	switch name {
	case "img", "image":
		return t.img(pos)
	case "asset_img", "asset_image":
		if len(pos) == 0 {
			return ""
		}
		alt := strings.Join(pos[1:], " ")
		return `<img src="` + html.EscapeString(t.post.Link+pos[0]) + `" alt="` + html.EscapeString(alt) + `">`
	case "asset_path":
		if len(pos) > 0 {
			return t.post.Link + pos[0]
		}
	case "post_url":
		return t.resolve("post_url", strings.TrimSpace(arg))
	case "post_link", "post_path":
		if len(pos) == 0 {
			return ""
		}
		u := t.resolve(name, pos[0])
		if name == "post_path" {
			return u
		}
		text := strings.Join(pos[1:], " ")
		if text == "" {
			text = pos[0]
		}
		return `<a href="` + html.EscapeString(u) + `">` + html.EscapeString(text) + `</a>`
	case "link":
		if t.site.Dialect == Jekyll {
			return t.resolve("link", strings.TrimSpace(arg))
		}
		if len(pos) >= 2 { // Hexo: {% link text url [external] [title] %}
			return `<a href="` + html.EscapeString(pos[1]) + `">` + html.EscapeString(pos[0]) + `</a>`
		}
	}
	return "" // include, youtube, gist ...: nothing a feed can show
}

// img is Hexo's {% img [class ...] src [width [height]] ["title" ["alt"]] %}.
func (t *tagger) img(pos []string) string {
	var classes []string
	src := ""
	var rest []string
	for i, a := range pos {
		if strings.HasPrefix(a, "/") || strings.Contains(a, "://") || strings.Contains(a, ".") {
			src, rest = a, pos[i+1:]
			break
		}
		classes = append(classes, a)
	}
	if src == "" {
		return ""
	}
	if strings.HasPrefix(src, "/") {
		src = t.site.absolute(src)
	}
	b := `<img src="` + html.EscapeString(src) + `"`
	if len(classes) > 0 {
		b += ` class="` + html.EscapeString(strings.Join(classes, " ")) + `"`
	}
	attrs := []string{"width", "height"}
	for len(rest) > 0 && len(attrs) > 0 && isNumber(rest[0]) {
		b += " " + attrs[0] + `="` + rest[0] + `"`
		attrs, rest = attrs[1:], rest[1:]
	}
	if len(rest) > 0 {
		b += ` title="` + html.EscapeString(rest[0]) + `"`
	}
	if len(rest) > 1 {
		b += ` alt="` + html.EscapeString(rest[1]) + `"`
	}
	return b + ">"
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// outputs renders {{ expressions }}: the site's address and root where
// named, nothing otherwise.
func (t *tagger) outputs(text string) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	return liquidOut.ReplaceAllStringFunc(text, func(m string) string {
		expr := strings.TrimSpace(liquidOut.FindStringSubmatch(m)[1])
		u, err := url.Parse(t.site.URL)
		if err != nil || t.site.URL == "" {
			return ""
		}
		switch expr {
		case "site.url", "config.url":
			return u.Scheme + "://" + u.Host
		case "site.baseurl", "config.root":
			return strings.TrimSuffix(u.Path, "/")
		}
		return ""
	})
}
