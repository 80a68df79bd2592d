package loader

import (
	"html"
	"regexp"
	"strings"
)

// Hugo's shortcodes: {{< name args >}}, {{% name args %}}, closed by
// {{< /name >}} when they have a body, or self-closed {{< name />}};
// {{</* name */>}} is a shortcode written out, not run.
var (
	shortcode        = regexp.MustCompile(`(?s)\{\{([<%])\s*([A-Za-z_][\w./-]*)(.*?)\s*(/?)([>%])\}\}`)
	shortcodeComment = regexp.MustCompile(`(?s)\{\{([<%])/\*(.*?)\*/([>%])\}\}`)
	shortcodeClose   = regexp.MustCompile(`(?s)\{\{[<%]\s*/\s*([A-Za-z_][\w./-]*)\s*[>%]\}\}`)
)

// shortcodes renders the shortcodes of text.
func (t *tagger) shortcodes(text string) string {
	text = shortcodeClose.ReplaceAllString(text, "\x00/$1\x00") // closings found by name below
	var b strings.Builder
	for {
		loc := shortcode.FindStringSubmatchIndex(text)
		cloc := shortcodeComment.FindStringSubmatchIndex(text)
		if cloc != nil && (loc == nil || cloc[0] < loc[0]) {
			b.WriteString(text[:cloc[0]])
			b.WriteString("{{" + text[cloc[2]:cloc[3]] + text[cloc[4]:cloc[5]] + text[cloc[6]:cloc[7]] + "}}")
			text = text[cloc[1]:]
			continue
		}
		if loc == nil {
			b.WriteString(dropClosings(text))
			return b.String()
		}
		b.WriteString(dropClosings(text[:loc[0]]))
		name, arg, selfClosed := text[loc[4]:loc[5]], text[loc[6]:loc[7]], loc[8] != loc[9]
		rest := text[loc[1]:]
		closing := "\x00/" + name + "\x00"
		if end := strings.Index(rest, closing); end >= 0 && !selfClosed {
			b.WriteString(t.hugoBlock(name, arg, t.shortcodes(rest[:end])))
			text = rest[end+len(closing):]
			continue
		}
		b.WriteString(t.hugoSingle(name, arg))
		text = rest
	}
}

// dropClosings removes closings left without their opening.
func dropClosings(text string) string {
	for {
		i := strings.IndexByte(text, 0)
		if i < 0 {
			return text
		}
		j := strings.IndexByte(text[i+1:], 0)
		if j < 0 {
			return text[:i] + text[i+1:]
		}
		text = text[:i] + text[i+1+j+1:]
	}
}

func (t *tagger) hugoBlock(name, arg, inner string) string {
	switch name {
	case "highlight":
		pos, _ := args(arg)
		lang := ""
		if len(pos) > 0 {
			lang = pos[0]
		}
		return codeBlock(lang, inner)
	case "figure":
		return t.hugoSingle(name, arg)
	}
	return inner // a theme's notice, details ...: its text stays
}

func (t *tagger) hugoSingle(name, arg string) string {
	pos, named := args(arg)
	switch name {
	case "figure":
		src := named["src"]
		if src == "" {
			return ""
		}
		out := `<figure><img src="` + html.EscapeString(src) + `"`
		if alt := named["alt"]; alt != "" {
			out += ` alt="` + html.EscapeString(alt) + `"`
		}
		out += ">"
		if c := named["caption"]; c != "" || named["title"] != "" {
			out += "<figcaption>"
			if named["title"] != "" {
				out += "<h4>" + html.EscapeString(named["title"]) + "</h4>"
			}
			if c != "" {
				out += "<p>" + html.EscapeString(c) + "</p>"
			}
			out += "</figcaption>"
		}
		return "\n\n" + out + "</figure>\n\n"
	case "ref", "relref":
		ref := named["path"]
		if ref == "" && len(pos) > 0 {
			ref = pos[0]
		}
		return t.resolve(name, ref)
	}
	return ""
}
