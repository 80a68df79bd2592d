package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Dialect is the static-site generator whose conventions a folder follows.
type Dialect string

// The dialects read; Plain is a folder of posts and nothing else.
const (
	Plain  Dialect = ""
	Hexo   Dialect = "hexo"
	Hugo   Dialect = "hugo"
	Jekyll Dialect = "jekyll"
)

// A Site is what a generator's configuration says about the site around
// the posts: what a feed needs, and how the generator makes a post's
// address. DetectSite finds it; the zero value is a plain folder.
type Site struct {
	Dialect     Dialect
	Config      string // the configuration file read, relative to the folder
	URL         string // the site's address with its root, ending in "/"; empty when unknown
	Title       string
	Description string
	Author      string
	Language    string
	TimeZone    string // IANA name; empty when the site sets none
	// Permalink is the pattern of a post's address: Hexo's and Jekyll's
	// permalink, Hugo's permalinks by section (Permalinks).
	Permalink  string
	Permalinks map[string]string
	// Content is the folder of posts, relative to the site's folder:
	// source/_posts (Hexo), content (Hugo); empty for Jekyll, whose
	// posts are in any _posts folder.
	Content string
	// ExcerptSeparator marks the end of a post's summary in its body
	// (Jekyll's excerpt_separator); Hexo and Hugo use <!-- more -->.
	ExcerptSeparator string
	// Future publishes posts dated in the future now (Hexo's future:
	// true). feedpub still waits for their date; kept to be reported.
	Future bool
}

// String is a one-line account of what was detected, for check.
func (s *Site) String() string {
	if s == nil || s.Dialect == Plain {
		return "a folder of posts (no site configuration found)"
	}
	return fmt.Sprintf("%s site (%s): url %q, title %q, language %q, time zone %q, author %q, permalink %q, posts in %s",
		s.Dialect, s.Config, s.URL, s.Title, s.Language, s.TimeZone, s.Author, s.permalinkText(), s.contentText())
}

func (s *Site) permalinkText() string {
	if s.Dialect != Hugo {
		return s.Permalink
	}
	var parts []string
	for _, k := range sortedKeys(s.Permalinks) {
		parts = append(parts, k+"="+s.Permalinks[k])
	}
	return strings.Join(parts, " ")
}

func (s *Site) contentText() string {
	if s.Content == "" {
		return "_posts folders"
	}
	return s.Content + "/"
}

// hugoConfigs are the files Hugo reads its configuration from, in its
// order of preference.
var hugoConfigs = []string{"hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml", "config.json"}

// DetectSite finds the configuration of the site whose folder is root:
// Hugo's hugo.toml (or config.toml, hugo.yaml ...), or a _config.yml,
// Hexo's when the folder has a source/_posts folder or a package.json that
// names hexo, Jekyll's otherwise. It returns nil, nil when root is a plain
// folder of posts.
func DetectSite(root string) (*Site, error) {
	for _, name := range hugoConfigs {
		data, err := os.ReadFile(filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("loader: %w", err)
		}
		s, err := hugoSite(name, data)
		if err != nil {
			return nil, fmt.Errorf("loader: %s: %w", filepath.Join(root, name), err)
		}
		return s, nil
	}
	data, err := os.ReadFile(filepath.Join(root, "_config.yml"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	var s *Site
	if isHexo(root) {
		s, err = hexoSite(data)
	} else {
		s, err = jekyllSite(data)
	}
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", filepath.Join(root, "_config.yml"), err)
	}
	s.Config = "_config.yml"
	return s, nil
}

func isHexo(root string) bool {
	if fi, err := os.Stat(filepath.Join(root, "source", "_posts")); err == nil && fi.IsDir() {
		return true
	}
	pkg, err := os.ReadFile(filepath.Join(root, "package.json"))
	return err == nil && bytes.Contains(pkg, []byte(`"hexo"`))
}

// settings is a configuration file decoded, keys lowercased (Hugo's are
// not case-sensitive; Hexo's and Jekyll's are lowercase).
type settings map[string]any

func decodeSettings(name string, data []byte) (settings, error) {
	var m map[string]any
	var err error
	switch path.Ext(name) {
	case ".toml":
		_, err = toml.Decode(string(data), &m)
	case ".json":
		err = json.Unmarshal(data, &m)
	default:
		err = yaml.Unmarshal(data, &m)
	}
	if err != nil {
		return nil, err
	}
	return lowerKeys(m), nil
}

func lowerKeys(m map[string]any) settings {
	out := make(settings, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = map[string]any(lowerKeys(sub))
		}
		out[strings.ToLower(k)] = v
	}
	return out
}

// str is the text at a dotted path of keys ("params.author"); a mapping
// gives its "name".
func (s settings) str(keys string) string {
	var v any = map[string]any(s)
	for _, k := range strings.Split(keys, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		return settings(v).str("name")
	case nil:
		return ""
	case []any:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func (s settings) first(keys ...string) string {
	for _, k := range keys {
		if v := s.str(k); v != "" {
			return v
		}
	}
	return ""
}

// siteURL joins a site's address and its root folder, ending in "/".
func siteURL(base, root string) string {
	if base == "" {
		return ""
	}
	base = strings.TrimRight(base, "/")
	root = strings.Trim(root, "/")
	if root != "" && !strings.HasSuffix(base, "/"+root) {
		base += "/" + root
	}
	return base + "/"
}

func hexoSite(data []byte) (*Site, error) {
	c, err := decodeSettings("_config.yml", data)
	if err != nil {
		return nil, err
	}
	s := &Site{Dialect: Hexo, Title: c.str("title"), Description: c.first("description", "subtitle"),
		Author: c.str("author"), Language: c.str("language"), TimeZone: c.str("timezone"),
		Permalink: c.first("permalink"), Future: c.str("future") != "false"}
	if s.Permalink == "" {
		s.Permalink = ":year/:month/:day/:title/"
	}
	s.URL = siteURL(c.str("url"), c.str("root"))
	src := c.first("source_dir")
	if src == "" {
		src = "source"
	}
	s.Content = path.Join(src, "_posts")
	return s, nil
}

func jekyllSite(data []byte) (*Site, error) {
	c, err := decodeSettings("_config.yml", data)
	if err != nil {
		return nil, err
	}
	s := &Site{Dialect: Jekyll, Title: c.str("title"), Description: c.str("description"),
		Author: c.str("author"), Language: c.first("lang", "locale"), TimeZone: c.str("timezone"),
		Permalink: c.str("permalink"), ExcerptSeparator: c.str("excerpt_separator")}
	switch s.Permalink {
	case "", "date":
		s.Permalink = "/:categories/:year/:month/:day/:title:output_ext"
	case "pretty":
		s.Permalink = "/:categories/:year/:month/:day/:title/"
	case "ordinal":
		s.Permalink = "/:categories/:year/:y_day/:title:output_ext"
	case "weekdate":
		s.Permalink = "/:categories/:year/W:week/:short_day/:title:output_ext"
	case "none":
		s.Permalink = "/:categories/:title:output_ext"
	}
	if s.ExcerptSeparator == "" {
		s.ExcerptSeparator = "\n\n"
	}
	s.URL = siteURL(c.str("url"), c.str("baseurl"))
	return s, nil
}

func hugoSite(name string, data []byte) (*Site, error) {
	c, err := decodeSettings(name, data)
	if err != nil {
		return nil, err
	}
	s := &Site{Dialect: Hugo, Config: name, Title: c.str("title"),
		Description: c.first("params.description", "params.subtitle"),
		Author:      c.first("params.author", "author", "params.author.name"),
		Language:    c.first("languagecode", "defaultcontentlanguage"), TimeZone: c.str("timezone"),
		Permalinks: map[string]string{}}
	if m, ok := c["permalinks"].(map[string]any); ok {
		for k, v := range m {
			if p, ok := v.(string); ok {
				s.Permalinks[k] = p
			}
		}
	}
	s.URL = siteURL(c.str("baseurl"), "")
	if s.TimeZone == "" {
		s.TimeZone = "UTC" // Hugo reads dates without a zone in UTC unless told
	}
	s.Content = c.first("contentdir")
	if s.Content == "" {
		s.Content = "content"
	}
	return s, nil
}

// takes reports whether the walk goes into folder rel (dir) or reads file
// rel as a post: only the site's folder of posts, without drafts, section
// pages or the generator's own folders.
func (s *Site) takes(rel string, dir bool) bool {
	if s == nil || s.Dialect == Plain {
		return true
	}
	if s.Dialect == Jekyll {
		parts := strings.Split(rel, "/")
		for i, part := range parts {
			if (dir || i < len(parts)-1) && (strings.HasPrefix(part, "_") && part != "_posts" || part == "node_modules" || part == "vendor") {
				return false
			}
		}
		if dir {
			return true
		}
		return slicesContains(parts[:len(parts)-1], "_posts") && jekyllName.MatchString(parts[len(parts)-1])
	}
	if dir && strings.HasPrefix(s.Content+"/", rel+"/") {
		return true // on the way to the posts
	}
	if !strings.HasPrefix(rel, s.Content+"/") {
		return false
	}
	if s.Dialect == Hugo && !dir {
		return !strings.HasPrefix(path.Base(rel), "_index.")
	}
	return true
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// leafIndex is the index file of a Hugo leaf bundle among a folder's
// entries, "" when the folder is no bundle: a bundle's other files are
// its resources, not pages.
func (s *Site) leafIndex(rel string, names []string) string {
	if s == nil || s.Dialect != Hugo || !strings.HasPrefix(rel, s.Content+"/") {
		return ""
	}
	for _, n := range names {
		if strings.HasPrefix(n, "index.") && IsPostFile(n) {
			return n
		}
	}
	return ""
}

// inBundle reports whether file rel is a resource of a Hugo leaf bundle
// that is one of its folders above it, looking at the folders under
// realRoot.
func (s *Site) inBundle(realRoot, rel string) bool {
	if s == nil || s.Dialect != Hugo {
		return false
	}
	if strings.HasPrefix(path.Base(rel), "index.") {
		rel = path.Dir(rel) // a bundle's own index.md may be in a bundle above
	}
	for dir := path.Dir(rel); dir != "." && dir != s.Content; dir = path.Dir(dir) {
		for ext := range extensions {
			if _, err := os.Stat(filepath.Join(realRoot, filepath.FromSlash(dir), "index"+ext)); err == nil {
				return true
			}
		}
	}
	return false
}
