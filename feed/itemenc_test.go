package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/feeds"

	"feedpub/loader"
)

// The encoders of items by reflection that rssItem, atomEntry and
// jsonItem replace, kept as the oracle of what they must write.

func rssItemReflect(c *Config, it *item, pr *prepared) ([]byte, error) {
	u := pr.urls()
	x := rssItemXML{RssItem: feeds.RssItem{
		Title: pr.post.Title,
		Link:  u.link,
		// A reader shows description as HTML, and the summary is plain
		// text: escaped, markup written as text in a post stays text.
		Description: html.EscapeString(pr.summary),
		Guid:        &feeds.RssGuid{Id: u.id, IsPermaLink: "false"},
		PubDate:     rfc822(it.post.Date),
	}}
	// A guid is a permalink only when it is the item's own web address.
	if u.id == u.link && webURL(u.id) == u.id {
		x.Guid.IsPermaLink = "true"
	}
	if pr.content != "" && !pr.brief {
		x.Content = &feeds.RssContent{Content: pr.content} // prepared: XML-clean
	}
	// RSS author is an e-mail address with the name in parentheses; an
	// author without a usable address goes in dc:creator instead.
	if validEmail(pr.author.Email) {
		x.Author = pr.author.Email + " (" + rssName(pr.author.Name) + ")"
	} else {
		x.Creator = pr.author.Name
	}
	if u.image != "" {
		x.Enclosure = &feeds.RssEnclosure{Url: u.image, Length: "0", Type: pr.imageType}
	}
	for _, cat := range it.categories {
		x.Category = append(x.Category, cat.name)
	}
	b, err := marshalItem(x, len(pr.content)+2*len(pr.summary)+1024)
	return hexRefs(b), err
}

// marshalItem is xml.Marshal(v) written into a buffer of size bytes:
// an item's encoding is made whole, not grown by doubling.
func marshalItem(v any, size int) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, size))
	enc := xml.NewEncoder(b)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type rssItemXML struct {
	feeds.RssItem
	Category []string `xml:"category"`
	Creator  string   `xml:"dc:creator,omitempty"`
}

func atomEntryReflect(c *Config, it *item, pr *prepared) ([]byte, error) {
	u := pr.urls()
	x := atomEntryXML{AtomEntry: feeds.AtomEntry{
		Title:     pr.post.Title,
		Id:        u.id,
		Updated:   rfc3339(c, it.post.Updated),
		Published: rfc3339(c, it.post.Date),
		Links:     []feeds.AtomLink{{Href: u.link, Rel: "alternate", Type: "text/html"}},
		Summary:   &feeds.AtomSummary{Content: pr.summary, Type: "text"},
		// Every entry names its author, so that it stands alone when a
		// reader copies it out of the feed.
		Author: &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: pr.author.Name, Uri: u.author}},
	}}
	if !pr.brief {
		x.Content = &atomContent{Type: "html", Text: escapeText(pr.content)} // prepared: XML-clean
	}
	if validEmail(pr.author.Email) {
		x.Author.Email = pr.author.Email
	}
	if validLang(pr.post.Lang) {
		x.Lang = pr.post.Lang
	}
	if u.image != "" {
		x.Links = append(x.Links, feeds.AtomLink{Href: u.image, Rel: "enclosure", Type: pr.imageType})
	}
	for _, cat := range it.categories {
		x.Category = append(x.Category, atomCategory{Term: cat.name, Label: cat.name})
	}
	// Markup in content is escaped: &lt; for <, and so on.
	return marshalItem(x, len(pr.content)*5/4+2*len(pr.summary)+1024)
}

type atomEntryXML struct {
	feeds.AtomEntry
	Lang     string         `xml:"xml:lang,attr,omitempty"`
	Category []atomCategory `xml:"category"`
	Content  *atomContent   `xml:"content,omitempty"` // in place of AtomEntry's
}

// atomContent is feeds.AtomContent with its text escaped by escapeText:
// encoding/xml escapes rune by rune, which for a post of 8 KB costs more
// than the rest of the entry.
type atomContent struct {
	Type string `xml:"type,attr"`
	Text string `xml:",innerxml"`
}

// escapeText escapes character data whose characters are all allowed in
// XML (loader.StripInvalidXML): markup characters, and CR, which a parser
// would otherwise turn into LF.
func escapeText(s string) string {
	extra := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&', '\r':
			extra += 4
		case '<', '>':
			extra += 3
		}
	}
	if extra == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + extra)
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
	return b.String()
}

func jsonItemReflect(c *Config, it *item, pr *prepared) ([]byte, error) {
	u := pr.urls()
	x := jsonItemJSON{
		ID:            u.id,
		URL:           u.link,
		Title:         pr.post.Title,
		Summary:       pr.summary,
		Image:         u.image,
		DatePublished: rfc3339(c, it.post.Date),
		DateModified:  rfc3339(c, it.post.Updated),
		Authors:       []*jsonAuthor{{Name: pr.author.Name, URL: u.author}},
	}
	if pr.brief {
		x.ContentText = &pr.summary
	} else {
		x.ContentHTML = &pr.content
	}
	if validLang(pr.post.Lang) {
		x.Language = pr.post.Lang
	}
	for _, cat := range it.categories {
		x.Tags = appendNew(x.Tags, cat.name)
	}
	for _, t := range pr.post.Tags {
		x.Tags = appendNew(x.Tags, t)
	}
	return marshalJSON(x)
}

// jsonItemJSON is a JSON Feed 1.1 item. content_html is always written,
// empty for an empty post, since an item must have content_html or
// content_text; an item that carries its summary alone has content_text.
type jsonItemJSON struct {
	ID            string        `json:"id"`
	URL           string        `json:"url,omitempty"`
	Title         string        `json:"title"`
	ContentHTML   *string       `json:"content_html,omitempty"`
	ContentText   *string       `json:"content_text,omitempty"` // brief items only
	Summary       string        `json:"summary,omitempty"`
	Image         string        `json:"image,omitempty"`
	DatePublished string        `json:"date_published"`
	DateModified  string        `json:"date_modified"`
	Authors       []*jsonAuthor `json:"authors"`
	Tags          []string      `json:"tags,omitempty"`
	Language      string        `json:"language,omitempty"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Each format's item encoder writes the bytes its struct encoding by
// encoding/xml or encoding/json wrote: on every item of the golden posts,
// in full and brief, and on random items with every character those
// packages escape or replace.
func TestItemEncodersAsReflection(t *testing.T) {
	r, err := newRenderer(goldenConfig())
	if err != nil {
		t.Fatal(err)
	}
	oracles := [nFormats]func(*Config, *item, *prepared) ([]byte, error){rssItemReflect, atomEntryReflect, jsonItemReflect}
	check := func(name string, it *item, pr *prepared) {
		t.Helper()
		for f := range formatList {
			got, err := formatList[f].item(nil, &r.Config, it, pr)
			if err != nil {
				t.Fatal(err)
			}
			want, err := oracles[f](&r.Config, it, pr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, %s: got\n%s\nwant\n%s", name, formatList[f].name, got, want)
			}
		}
	}
	site, _ := buildTestdata(t)
	for _, it := range site.pages.items {
		pr := r.prepare(it, false)
		check(it.post.Path, it, pr)
		check(it.post.Path+" (brief)", it, pr.briefed())
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		it, pr := randomItem(rnd)
		check(fmt.Sprint("random item ", i), it, pr)
	}
}

// xmlPieces are what random items' values are made of.
var xmlPieces = []string{"a", "Z", " ", "中文", "é", "\x00", "\x01", "\x1f", "\t", "\n", "\r", "\"", "'", "&", "<", ">",
	"]]>", "]]", "\u2028", "\u2029", "\ufffd", "\ufffe", "\uffff", "\xff", "\xe2\x80", "\xed\xa0\x80", "\U0001F600",
	"\x7f", "\\", "/", "(", ")", "@", "あ", "\xe3\x81", "\xec\x9c", "\xc0\x80", "\xe0\x80\x80", "\xe0\xa0\x80", "\xf4\x90\x80\x80",
	"\U0010FFFF", "\xf0\x9f\x98", "\xef\xbf", "\u0085", "\ud7ff", "\ue000", "\xc2", "\x80", "https://example.com/a?b=1&c=2", "mailto:x@example.com", "en", "zh-CN"}

func randomXMLText(rnd *rand.Rand) string {
	var b strings.Builder
	for range rnd.IntN(6) {
		b.WriteString(xmlPieces[rnd.IntN(len(xmlPieces))])
	}
	return b.String()
}

func randomItem(rnd *rand.Rand) (*item, *prepared) {
	s := func() string { return randomXMLText(rnd) }
	pick := func(vs ...string) string { return vs[rnd.IntN(len(vs))] }
	d := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(rnd.IntN(1e6)) * time.Minute)
	p := &loader.Post{Path: "x.md", Title: s(), Date: d, Updated: d.Add(time.Duration(rnd.IntN(3)) * time.Hour),
		Lang: pick("", "en", "zh-Hant", s())}
	for range rnd.IntN(3) {
		p.Tags = append(p.Tags, pick("go", s()))
	}
	it := &item{post: p}
	for range rnd.IntN(3) {
		it.categories = append(it.categories, category{name: pick("", "go", s())})
	}
	link := pick("https://example.com/posts/x/", "https://example.com/a b", s())
	pr := &prepared{post: p, link: link, id: pick(link, "urn:uuid:1", s()), image: pick("", "https://img.example.com/a.png", s()),
		imageType: pick("image/png", s()), summary: s(), content: xmlText(s()), brief: rnd.IntN(4) == 0,
		author: loader.Author{Name: s(), Email: pick("", "a@example.com", s()), URL: pick("", "https://example.com/me", s())}}
	return it, pr
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

// The tests of 8 bytes at a time say what a byte at a time says: jsonPlain
// exactly, anyBelow40 never false when a byte is below 0x40; on every byte
// at every place among others that pass, and on random words.
func TestWordTests(t *testing.T) {
	plain := func(w string) bool {
		for i := range len(w) {
			if c := w[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
				return false
			}
		}
		return true
	}
	check := func(w string) {
		if got, want := jsonPlain(word(w)), plain(w); got != want {
			t.Fatalf("jsonPlain(%q) = %v, want %v", w, got, want)
		}
		if strings.IndexFunc(w, func(r rune) bool { return r < 0x40 }) >= 0 && !anyBelow40(word(w)) {
			t.Fatalf("anyBelow40(%q) = false", w)
		}
	}
	for c := range 256 {
		for at := range 8 {
			for _, fill := range []byte{'a', 0x40, 0x7f, 0x80, 0xff} {
				w := bytes.Repeat([]byte{fill}, 8)
				w[at] = byte(c)
				check(string(w))
			}
		}
	}
	rnd := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		var w [8]byte
		for i := range w {
			w[i] = byte(rnd.IntN(256))
		}
		check(string(w[:]))
	}
}
