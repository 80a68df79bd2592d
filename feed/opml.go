package feed

import "encoding/xml"

// OPML 2.0 (http://opml.org/spec2.opml): one outline per feed, nested
// under a folder named after the site, as readers import them.
type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Head    opmlHead    `xml:"head"`
	Body    opmlOutline `xml:"body>outline"`
}

type opmlHead struct {
	Title        string `xml:"title"`
	DateModified string `xml:"dateModified"`
	Docs         string `xml:"docs"`
}

type opmlOutline struct {
	Text        string        `xml:"text,attr"`
	Title       string        `xml:"title,attr,omitempty"`
	Type        string        `xml:"type,attr,omitempty"`
	XMLURL      string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL     string        `xml:"htmlUrl,attr,omitempty"`
	Description string        `xml:"description,attr,omitempty"`
	Language    string        `xml:"language,attr,omitempty"`
	Outlines    []opmlOutline `xml:"outline"`
}

// opml lists every feed (in RSS, the format every reader takes) with
// absolute URLs, since an OPML file is read away from the site.
func (b *Builder) opml(chans []*channel) ([]byte, error) {
	c := b.r
	doc := opmlDoc{
		Version: "2.0",
		Head:    opmlHead{Title: c.Title, DateModified: rfc822(chans[0].updated), Docs: "http://opml.org/spec2.opml"},
		Body:    opmlOutline{Text: c.Title, Title: c.Title},
	}
	for _, ch := range chans {
		doc.Body.Outlines = append(doc.Body.Outlines, opmlOutline{
			Text: ch.title, Title: ch.title, Type: "rss",
			XMLURL: c.feedURL(ch, &formatList[0]), HTMLURL: c.abs(pagePath(ch)),
			Description: ch.description, Language: c.Language,
		})
	}
	return marshalXML(doc)
}
