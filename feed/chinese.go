package feed

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/liuzl/gocc"
)

// Chinese converts between Simplified and Traditional Chinese, as OpenCC
// does (github.com/liuzl/gocc: OpenCC's dictionaries, embedded in the
// binary), for the ?opencc= parameter RSSHub users know. It converts text
// only: a feed's or page's links, ids and markup stay as they are.
//
// A conversion's dictionaries are read the first time it is used, not
// before (those from Simplified Chinese take several megabytes), and then
// kept; a Chinese is safe for concurrent use.
type Chinese struct {
	name string
	cc   func() (*gocc.OpenCC, error) // loads once
}

// chineseNames are the conversions offered: OpenCC's configurations, whose
// names RSSHub users pass.
var chineseNames = []string{"s2t", "t2s", "s2tw", "tw2s", "s2twp", "tw2sp", "s2hk", "hk2s", "t2tw", "t2hk"}

// chineseList holds one Chinese per conversion, loading its dictionaries
// when first used.
var chineseList = func() map[string]*Chinese {
	m := make(map[string]*Chinese, len(chineseNames))
	for _, name := range chineseNames {
		m[name] = &Chinese{name: name, cc: sync.OnceValues(func() (*gocc.OpenCC, error) { return gocc.New(name) })}
	}
	return m
}()

// chineseLangs is the language tag of the text each conversion gives
// (BCP 47): Traditional or Simplified script, and the region whose words
// it takes.
var chineseLangs = map[string]string{
	"s2t": "zh-Hant", "t2s": "zh-Hans",
	"s2tw": "zh-Hant-TW", "s2twp": "zh-Hant-TW", "t2tw": "zh-Hant-TW",
	"s2hk": "zh-Hant-HK", "t2hk": "zh-Hant-HK",
	"tw2s": "zh-Hans", "tw2sp": "zh-Hans", "hk2s": "zh-Hans",
}

// Lang is the language tag of text in language tag once converted: a
// Chinese tag (zh, zh-CN, zh-Hant-TW...) becomes the conversion's; any
// other is as it was.
func (c *Chinese) Lang(tag string) string {
	if len(tag) >= 2 && strings.EqualFold(tag[:2], "zh") && (len(tag) == 2 || tag[2] == '-' || tag[2] == '_') {
		return chineseLangs[c.name]
	}
	return tag
}

// langAttr finds the lang attributes of HTML made by the templates and
// the sanitiser, which quote every attribute value with ".
var langAttr = regexp.MustCompile(`\blang="([^"]*)"`)

// ChineseConversion returns the conversion named name (s2t, t2s, s2tw,
// s2twp, ...), its dictionaries loaded, or an error naming those there
// are.
func ChineseConversion(name string) (*Chinese, error) {
	if c := chineseList[name]; c != nil {
		if _, err := c.cc(); err != nil { // the embedded dictionaries are broken: a broken build
			return nil, fmt.Errorf("opencc %s: %w", name, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("opencc: want one of %s (s2t: Simplified to Traditional, t2s: Traditional to Simplified), got %q",
		strings.Join(chineseNames, ", "), clip(name, 40))
}

// Name is the conversion's name, e.g. s2t.
func (c *Chinese) Name() string { return c.name }

// Text converts plain text. Only its runs of letters that hold a non-ASCII
// character go through the dictionaries: OpenCC's phrases hold no ASCII
// but letters, so cutting at ASCII spaces, digits and punctuation changes
// nothing, and English text costs a scan.
func (c *Chinese) Text(s string) string {
	if ascii(s) {
		return s
	}
	cc, err := c.cc()
	if err != nil { // never: ChineseConversion loaded them
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	start := 0
	flush := func(end int) {
		run := s[start:end]
		if !ascii(run) {
			if out, err := cc.Convert(run); err == nil {
				run = out
			}
		}
		b.WriteString(run)
	}
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x80 && !isASCIILetter(ch) {
			flush(i)
			b.WriteByte(ch)
			start = i + 1
		}
	}
	flush(len(s))
	return b.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isASCIILetter(ch byte) bool { return (ch|0x20) >= 'a' && (ch|0x20) <= 'z' }

// HTML converts the text of HTML: what lies between tags, never a tag, an
// attribute (links among them), a comment, or what a script or style
// element holds.
func (c *Chinese) HTML(s string) string {
	if ascii(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			b.WriteString(c.Text(s))
			break
		}
		b.WriteString(c.Text(s[:lt]))
		n := markupLen(s[lt:])
		b.WriteString(s[lt : lt+n])
		s = s[lt+n:]
	}
	return b.String()
}

// markupLen is the length of the markup s starts with ("<" first): a
// comment, a declaration, or a tag with its quoted attributes, and after
// the start tag of a script or style element, all it holds up to its end
// tag. A lone "<" is one byte of text.
func markupLen(s string) int {
	if strings.HasPrefix(s, "<!--") {
		if end := strings.Index(s[4:], "-->"); end >= 0 {
			return 4 + end + 3
		}
		return len(s)
	}
	if len(s) < 2 || !(isASCIILetter(s[1]) || s[1] == '/' || s[1] == '!' || s[1] == '?') {
		return 1
	}
	n := tagLen(s)
	name := strings.ToLower(tagName(s[1:n]))
	if name == "script" || name == "style" {
		if end := strings.Index(strings.ToLower(s[n:]), "</"+name); end >= 0 {
			return n + end
		}
		return len(s)
	}
	return n
}

// tagLen is the length of the tag s starts with, up to its ">" outside
// quotes; all of s when it does not end.
func tagLen(s string) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		switch ch := s[i]; {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '>':
			return i + 1
		}
	}
	return len(s)
}

func tagName(s string) string {
	for i := 0; i < len(s); i++ {
		if !isASCIILetter(s[i]) && (s[i] < '0' || s[i] > '9') {
			return s[:i]
		}
	}
	return s
}

// item returns a copy of it, prepared as pr, whose text shows converted:
// title, content, summary, category and tag names, author's name. Its id,
// links, slugs and dates are the same. The copy keeps its prepared, so
// that everything that encodes it (the byte budget too) sees the
// converted text.
func (c *Chinese) item(it *item, pr *prepared) *item {
	post := *pr.post
	post.Title = c.Text(post.Title)
	post.Lang = c.Lang(post.Lang)
	post.Tags = c.texts(post.Tags)
	cp := *pr
	cp.post = &post
	cp.content = c.HTML(pr.content)
	cp.summary = c.Text(pr.summary)
	cp.author.Name = c.Text(pr.author.Name)
	out := &item{post: &post, slug: it.slug, terms: it.terms}
	for _, cat := range it.categories {
		out.categories = append(out.categories, category{name: c.Text(cat.name), slug: cat.slug})
	}
	out.prep.Store(&cp)
	return out
}

// items returns converted copies of items (see item).
func (c *Chinese) items(r *renderer, items []*item) []*item {
	out := make([]*item, len(items))
	for i, it := range items {
		out[i] = c.item(it, r.prepare(it, false))
	}
	return out
}

func (c *Chinese) texts(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = c.Text(s)
	}
	return out
}

// channel returns a copy of ch whose title and description show
// converted.
func (c *Chinese) channel(ch *channel) *channel {
	cp := *ch
	cp.title = c.Text(ch.title)
	cp.description = c.Text(ch.description)
	return &cp
}

// ConvertPage returns the page f (HTML) with its text converted, or f
// itself when nothing changes; a file of another type is returned as it
// is.
func (c *Chinese) ConvertPage(f *File) *File {
	if !strings.HasPrefix(f.Type, "text/html") {
		return f
	}
	body := c.HTML(string(f.Body))
	body = langAttr.ReplaceAllStringFunc(body, func(a string) string {
		return `lang="` + c.Lang(a[len(`lang="`):len(a)-1]) + `"`
	})
	if body == string(f.Body) {
		return f
	}
	return newFile([]byte(body), f.Type, f.Modified)
}
