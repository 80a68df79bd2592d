package feed

import (
	"bytes"
	"encoding/xml"
	"strings"
	"time"

	"github.com/gorilla/feeds"
)

// gorilla/feeds' Atom structs, extended: xml:lang, several links (self and
// alternate), categories with a term, published dates, and entries
// encoded elsewhere and spliced in.
type atomDoc struct {
	feeds.AtomFeed
	Lang     string           `xml:"xml:lang,attr,omitempty"`
	FHNS     string           `xml:"xmlns:fh,attr,omitempty"` // with archives (archive.go)
	Link     []feeds.AtomLink `xml:"link"`
	Complete *struct{}        `xml:"fh:complete"`
	Archive  *struct{}        `xml:"fh:archive"`
	ATNS     string           `xml:"xmlns:at,attr,omitempty"` // with tombstones (tombstone.go)
	Deleted  []atomDeleted    `xml:"at:deleted-entry"`
	Entries  []byte           `xml:",innerxml"`
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

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

// rfc3339 writes t in the site's zone, or in UTC where the zone's offset
// then had seconds (local mean time before 1900), which RFC 3339 cannot
// write.
func rfc3339(c *Config, t time.Time) string {
	t = t.In(c.Location)
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC()
	}
	return t.Format(time.RFC3339)
}

func atomEntry(c *Config, it *item, pr *prepared) ([]byte, error) {
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
	return xml.Marshal(x)
}

func atomFeed(c *Config, ch *channel, self string, items [][]byte) ([]byte, error) {
	doc := atomDoc{
		AtomFeed: feeds.AtomFeed{
			Xmlns:    "http://www.w3.org/2005/Atom",
			Title:    ch.title,
			Id:       self,
			Updated:  rfc3339(c, ch.updated),
			Subtitle: ch.description,
			Author:   &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: c.Author}},
		},
		Lang: siteLang(c),
		Link: []feeds.AtomLink{
			{Href: self, Rel: "self", Type: "application/atom+xml"},
			{Href: c.homeURL(ch), Rel: "alternate", Type: "text/html"},
		},
		Entries: bytes.Join(items, nil),
	}
	doc.ATNS, doc.Deleted = atomTombstones(c, ch)
	if c.Hub != "" {
		doc.Link = append(doc.Link, feeds.AtomLink{Href: c.Hub, Rel: "hub"})
	}
	if c.Archives {
		links, archive, complete := c.history(ch, formatAtom, ch.arch)
		doc.FHNS = historyNS
		for _, l := range links {
			doc.Link = append(doc.Link, feeds.AtomLink{Href: l.href, Rel: l.rel, Type: "application/atom+xml"})
		}
		doc.Archive, doc.Complete = element(archive), element(complete)
	}
	return marshalXML(doc)
}
