package loader

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// token is a :name in a permalink pattern.
var token = regexp.MustCompile(`:[a-z_]+`)

// expand replaces each :token of pattern with what values gives for it;
// a token values does not know stays as written.
func expand(pattern string, values func(name string) (string, bool)) string {
	return token.ReplaceAllStringFunc(pattern, func(t string) string {
		if v, ok := values(t[1:]); ok {
			return v
		}
		return t
	})
}

// dateTokens are the tokens of a post's date every generator knows.
func dateToken(post *Post, name string) (string, bool) {
	d := post.Date
	switch name {
	case "year":
		return fmt.Sprintf("%04d", d.Year()), true
	case "month":
		return fmt.Sprintf("%02d", int(d.Month())), true
	case "day":
		return fmt.Sprintf("%02d", d.Day()), true
	case "i_month":
		return fmt.Sprint(int(d.Month())), true
	case "i_day":
		return fmt.Sprint(d.Day()), true
	case "short_year":
		return fmt.Sprintf("%02d", d.Year()%100), true
	case "hour":
		return fmt.Sprintf("%02d", d.Hour()), true
	case "minute":
		return fmt.Sprintf("%02d", d.Minute()), true
	case "second":
		return fmt.Sprintf("%02d", d.Second()), true
	case "y_day", "yearday":
		return fmt.Sprintf("%03d", d.YearDay()), true
	case "monthname":
		return strings.ToLower(d.Month().String()), true
	case "weekday":
		return fmt.Sprint(int(d.Weekday())), true
	}
	return "", false
}

// hexoPermalink is the path Hexo gives a post: its permalink setting with
// :title the post's path under _posts (or its slug).
func hexoPermalink(pattern string, post *Post, slug string) string {
	return expand(pattern, func(name string) (string, bool) {
		switch name {
		case "title":
			return slug, true
		case "name":
			return path.Base(slug), true
		case "post_title":
			return strings.ToLower(post.Title), true
		case "category":
			if n := len(post.Categories); n > 0 {
				return post.Categories[n-1], true
			}
			return "uncategorized", true
		}
		return dateToken(post, name)
	})
}

// jekyllPermalink is the path Jekyll gives a post: :title its slug,
// :categories its categories lowercased, empty parts dropped.
func jekyllPermalink(pattern string, post *Post, slug, name string) string {
	ext := ".html"
	if e := strings.ToLower(path.Ext(name)); e == ".html" || e == ".htm" {
		ext = e
	}
	out := expand(pattern, func(tok string) (string, bool) {
		switch tok {
		case "title", "slug":
			return jekyllSlugify(slug), true
		case "name":
			return slug, true
		case "categories":
			var cats []string
			for _, c := range post.Categories {
				if c = strings.ToLower(c); !slicesContains(cats, c) {
					cats = append(cats, c)
				}
			}
			return strings.Join(cats, "/"), true
		case "output_ext":
			return ext, true
		}
		return dateToken(post, tok)
	})
	for strings.Contains(out, "//") {
		out = strings.ReplaceAll(out, "//", "/")
	}
	return out
}

// jekyllSlugify is Jekyll's "pretty" slugify, case kept: runs of
// characters other than letters, digits and ._~!$&'()+,;=@ become "-".
func jekyllSlugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._~!$&'()+,;=@", r) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// hugoPermalink is the path Hugo gives a page: its section's pattern from
// permalinks, else section/folders/name, with slug in place of the name.
func (p *parser) hugoPermalink(post *Post, root *yaml.Node) string {
	s := p.opt.Site
	rel := strings.TrimPrefix(p.name, s.Content+"/")
	dir, file := path.Split(rel)
	name := strings.TrimSuffix(file, path.Ext(file))
	if strings.HasPrefix(file, "index.") && dir != "" { // a leaf bundle: named by its folder
		dir, name = path.Split(strings.TrimSuffix(dir, "/"))
	}
	section, _, _ := strings.Cut(rel, "/")
	if !strings.Contains(rel, "/") {
		section = ""
	}
	slug := scalar(root, "slug")
	if pattern, ok := s.Permalinks[section]; ok && section != "" {
		out := expand(pattern, func(tok string) (string, bool) {
			switch tok {
			case "slug":
				if slug != "" {
					return urlize(slug), true
				}
				return urlize(post.Title), true
			case "title":
				return urlize(post.Title), true
			case "filename":
				return urlize(name), true
			case "section":
				return section, true
			case "sections":
				return strings.Trim(dir, "/"), true
			}
			return dateToken(post, tok)
		})
		return strings.ToLower(out)
	}
	if slug != "" {
		name = slug
	}
	return strings.ToLower(urlize("/" + dir + name + "/"))
}

// urlize is Hugo's path of a text: spaces to "-", and only letters,
// digits, marks and ./_-#+~% kept.
func urlize(s string) string {
	var b strings.Builder
	prevDash := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || strings.ContainsRune("./\\_-#+~%", r):
			if r == '-' && prevDash {
				continue
			}
			b.WriteRune(r)
			prevDash = r == '-'
		case unicode.IsSpace(r):
			if !prevDash {
				b.WriteByte('-')
				prevDash = true
			}
		}
	}
	return b.String()
}
