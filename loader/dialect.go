package loader

import (
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

// jekyllName is the name Jekyll requires of a file in _posts:
// YYYY-MM-DD-title.ext.
var jekyllName = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)\.[^.]+$`)

// lookup is the value of the first key of the front matter among keys
// (case-insensitive), aliases resolved; nil when none is there.
func lookup(root *yaml.Node, keys ...string) *yaml.Node {
	for _, want := range keys {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if strings.EqualFold(root.Content[i].Value, want) {
				if v := resolve(root.Content[i+1], 0); v != nil && v.Tag != "!!null" {
					return v
				}
			}
		}
	}
	return nil
}

// scalar is the text of the first of keys that is a scalar.
func scalar(root *yaml.Node, keys ...string) string {
	if v := lookup(root, keys...); v != nil && v.Kind == yaml.ScalarNode {
		return strings.TrimSpace(StripInvalidXML(v.Value))
	}
	return ""
}

// dialect reads what the site's generator makes of the post beyond the
// fields every dialect shares: dates, address, categories.
func (p *parser) dialect(post *Post, root *yaml.Node) error {
	s := p.opt.Site
	if s == nil || s.Dialect == Plain {
		return nil
	}
	if strings.HasPrefix(post.Image, "/") && !strings.HasPrefix(post.Image, "//") {
		post.Image = s.absolute(post.Image)
	}
	var err error
	switch s.Dialect {
	case Hexo:
		err = p.hexo(post, root)
	case Hugo:
		err = p.hugo(post, root)
	case Jekyll:
		err = p.jekyll(post, root)
	}
	return err
}

// loc is the zone for dates written without one.
func (p *parser) loc() *time.Location {
	if p.opt.Location == nil {
		return time.UTC
	}
	return p.opt.Location
}

// dateOf reads the date at the first of keys present; zero when none.
func (p *parser) dateOf(root *yaml.Node, keys ...string) (time.Time, error) {
	for _, k := range keys {
		if v := lookup(root, k); v != nil {
			return p.date(&yaml.Node{Value: k}, v)
		}
	}
	return time.Time{}, nil
}

// hasZone reports whether a date as written names its zone or offset.
var hasZone = regexp.MustCompile(`(?i)(z|[+-]\d\d:?\d\d|gmt|utc)$`)

func (p *parser) hexo(post *Post, root *yaml.Node) error {
	// hexo-front-matter turns a YAML date with an offset into its UTC
	// wall clock, which Hexo then reads in the site's zone.
	if v := lookup(root, "date"); v != nil && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!timestamp" && hasZone.MatchString(strings.TrimSpace(v.Value)) {
		u := post.Date.UTC()
		post.Date = time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, p.loc())
	}
	slug := strings.TrimSuffix(strings.TrimPrefix(p.name, p.opt.Site.Content+"/"), path.Ext(p.name))
	if s := scalar(root, "slug"); s != "" {
		slug = s
	}
	if own := scalar(root, "permalink", "link"); own != "" {
		post.Link = p.opt.Site.absolute(own)
		return nil
	}
	post.Link = p.opt.Site.absolute(hexoPermalink(p.opt.Site.Permalink, post, slug))
	return nil
}

func (p *parser) hugo(post *Post, root *yaml.Node) error {
	var err error
	if post.Date.IsZero() {
		if post.Date, err = p.dateOf(root, "publishDate", "pubdate", "published"); err != nil {
			return err
		}
	}
	due, err := p.dateOf(root, "publishDate", "pubdate", "published")
	if err != nil {
		return err
	}
	expires, err := p.dateOf(root, "expiryDate", "unpublishdate")
	if err != nil {
		return err
	}
	post.Schedule(due, expires)
	if isTrue(scalar(root, "headless")) {
		post.Draft = true
	}
	if build := lookup(root, "_build", "build"); build != nil && build.Kind == yaml.MappingNode {
		if scalar(build, "list") == "never" || isFalse(scalar(build, "render")) || scalar(build, "render") == "never" {
			post.Draft = true
		}
	}
	if own := scalar(root, "url"); own != "" {
		post.Link = p.opt.Site.absolute(own)
		return nil
	}
	post.Link = p.opt.Site.absolute(p.hugoPermalink(post, root))
	return nil
}

func (p *parser) jekyll(post *Post, root *yaml.Node) error {
	s := p.opt.Site
	base := path.Base(p.name)
	m := jekyllName.FindStringSubmatch(base)
	slug := strings.TrimSuffix(base, path.Ext(base))
	if m != nil {
		slug = m[4]
		if post.Date.IsZero() {
			t, err := ParseDate(m[1]+"-"+pad2(m[2])+"-"+pad2(m[3]), p.loc())
			if err != nil {
				return p.fail(0, "the date in the file name: %v", err)
			}
			post.Date = t
		}
	}
	if own := scalar(root, "slug"); own != "" {
		slug = own
	}
	if scalar(root, "title") == "" && post.Title == "" {
		post.Title = titleize(slug)
	}
	// Categories: the folders above _posts, then the front matter's,
	// whose text is split at spaces.
	var cats []string
	if dir, _, ok := strings.Cut(p.name, "_posts/"); ok && dir != "" {
		cats = strings.Split(strings.Trim(dir, "/"), "/")
	}
	if v := lookup(root, "category"); v != nil && v.Kind == yaml.ScalarNode {
		cats = append(cats, strings.TrimSpace(v.Value))
	}
	cats = append(cats, words(lookup(root, "categories"))...)
	post.Categories = uniq(cats)
	post.Tags = uniq(words(lookup(root, "tags", "tag")))
	if own := scalar(root, "permalink"); own != "" {
		post.Link = s.absolute(jekyllPermalink(own, post, slug, p.name))
		return nil
	}
	post.Link = s.absolute(jekyllPermalink(s.Permalink, post, slug, p.name))
	return nil
}

// words are the names of a list, or of a text split at spaces (Jekyll).
func words(v *yaml.Node) []string {
	if v == nil {
		return nil
	}
	if v.Kind == yaml.ScalarNode {
		return strings.Fields(v.Value)
	}
	var out []string
	for _, it := range v.Content {
		if it = resolve(it, 0); it != nil && it.Kind == yaml.ScalarNode && strings.TrimSpace(it.Value) != "" {
			out = append(out, strings.TrimSpace(it.Value))
		}
	}
	return out
}

func uniq(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" && !slicesContains(out, s) {
			out = append(out, StripInvalidXML(s))
		}
	}
	return out
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// titleize is Jekyll's title of a post without one: the slug's words,
// each capitalized.
func titleize(slug string) string {
	parts := strings.Split(slug, "-")
	for i, w := range parts {
		r := []rune(w)
		if len(r) > 0 {
			r[0] = unicode.ToUpper(r[0])
		}
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}

// absolute is a site path (or a full URL) as an absolute URL under the
// site's address; the path itself when the site has no address.
func (s *Site) absolute(p string) string {
	if strings.Contains(p, "://") || s.URL == "" {
		return p
	}
	return s.URL + strings.TrimPrefix(p, "/")
}
