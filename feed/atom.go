package feed

import (
	"bytes"
	"slices"
	"time"

	"github.com/gorilla/feeds"
)

// gorilla/feeds' Atom structs, extended: xml:lang, several links (self and
// alternate), and entries encoded elsewhere (atomEntry) and spliced in.
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

// atomEntry encodes an item as gorilla/feeds' AtomEntry would be,
// extended: xml:lang, categories with a term and a label, published dates,
// and the content escaped by appendContent (see xmltext.go).
func atomEntry(b []byte, c *Config, it *item, pr *prepared) ([]byte, error) {
	u := pr.urls()
	esc := &xmlEscapes
	b = slices.Grow(b, len(pr.content)*5/4+2*len(pr.summary)+1024)
	b = append(b, "<entry"...)
	if validLang(pr.post.Lang) {
		b = appendAttr(b, "xml:lang", pr.post.Lang, esc)
	}
	b = append(b, '>')
	b = appendElem(b, "title", pr.post.Title, esc)
	b = appendElem(b, "updated", rfc3339(c, it.post.Updated), esc)
	b = appendElem(b, "id", u.id, esc)
	b = appendElem(b, "published", rfc3339(c, it.post.Date), esc)
	b = appendAtomLink(b, u.link, "alternate", "text/html")
	if u.image != "" {
		b = appendAtomLink(b, u.image, "enclosure", pr.imageType)
	}
	b = append(b, `<summary type="text">`...)
	b = appendXMLText(b, pr.summary, esc)
	b = append(b, "</summary>"...)
	// Every entry names its author, so that it stands alone when a
	// reader copies it out of the feed.
	b = append(b, "<author>"...)
	b = appendElemNonEmpty(b, "name", pr.author.Name)
	b = appendElemNonEmpty(b, "uri", u.author)
	if validEmail(pr.author.Email) {
		b = appendElemNonEmpty(b, "email", pr.author.Email)
	}
	b = append(b, "</author>"...)
	for _, cat := range it.categories {
		b = append(b, "<category"...)
		b = appendAttr(b, "term", cat.name, esc)
		if cat.name != "" {
			b = appendAttr(b, "label", cat.name, esc)
		}
		b = append(b, "></category>"...)
	}
	if !pr.brief {
		// Markup in content is escaped: &lt; for <, and so on.
		b = append(b, `<content type="html">`...)
		b = appendContent(b, pr.content) // prepared: XML-clean
		b = append(b, "</content>"...)
	}
	return append(b, "</entry>"...), nil
}

// appendAtomLink appends an Atom link; rel and typ are left out when empty.
func appendAtomLink(b []byte, href, rel, typ string) []byte {
	b = append(b, "<link"...)
	b = appendAttr(b, "href", href, &xmlEscapes)
	if rel != "" {
		b = appendAttr(b, "rel", rel, &xmlEscapes)
	}
	if typ != "" {
		b = appendAttr(b, "type", typ, &xmlEscapes)
	}
	return append(b, "></link>"...)
}

// appendElemNonEmpty is appendElem of Atom text, nothing when s is empty.
func appendElemNonEmpty(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendElem(b, name, s, &xmlEscapes)
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
