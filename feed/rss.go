package feed

import (
	"bytes"
	"encoding/xml"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/feeds"
)

// gorilla/feeds' RSS structs, extended: an atom:link to the feed itself,
// and items encoded elsewhere (rssItem) and spliced in.
type rssDoc struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	ContentNS string   `xml:"xmlns:content,attr"`
	AtomNS    string   `xml:"xmlns:atom,attr"`
	DCNS      string   `xml:"xmlns:dc,attr"`
	FHNS      string   `xml:"xmlns:fh,attr,omitempty"` // with archives (archive.go)
	Channel   rssChannel
}

type rssChannel struct {
	feeds.RssFeed
	Self     []rssSelf `xml:"atom:link"` // self, the WebSub hub if any, and the archives' links
	Complete *struct{} `xml:"fh:complete"`
	Archive  *struct{} `xml:"fh:archive"`
	// In place of RssFeed's, with poll hints (pollhint.go).
	SkipHours *rssSkipHours `xml:"skipHours"`
	SkipDays  *rssSkipDays  `xml:"skipDays"`
	Items     []byte        `xml:",innerxml"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rfc822 is RFC 822 with a four-digit year, in GMT, as RSS wants.
func rfc822(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04:05") + " GMT" }

// rssItem encodes an item as gorilla/feeds' RssItem would be, extended:
// one category element per category, and dc:creator for authors without
// an e-mail address (see xmltext.go).
func rssItem(b []byte, c *Config, it *item, pr *prepared) ([]byte, error) {
	u := pr.urls()
	esc := &rssEscapes
	b = slices.Grow(b, len(pr.content)+2*len(pr.summary)+1024)
	b = append(b, "<item>"...)
	b = appendElem(b, "title", pr.post.Title, esc)
	b = appendElem(b, "link", u.link, esc)
	// A reader shows description as HTML, and the summary is plain text:
	// escaped, markup written as text in a post stays text.
	b = appendElem(b, "description", pr.summary, &rssHTMLEscapes)
	if pr.content != "" && !pr.brief {
		b = append(b, "<content:encoded>"...)
		b = appendCDATA(b, pr.content) // prepared: XML-clean
		b = append(b, "</content:encoded>"...)
	}
	// RSS author is an e-mail address with the name in parentheses; an
	// author without a usable address goes in dc:creator instead.
	email := validEmail(pr.author.Email)
	if email {
		b = appendElem(b, "author", pr.author.Email+" ("+rssName(pr.author.Name)+")", esc)
	}
	if u.image != "" {
		b = append(b, "<enclosure"...)
		b = appendAttr(b, "url", u.image, esc)
		b = append(b, ` length="0"`...)
		b = appendAttr(b, "type", pr.imageType, esc)
		b = append(b, "></enclosure>"...)
	}
	// A guid is a permalink only when it is the item's own web address.
	b = append(b, `<guid isPermaLink="`...)
	b = strconv.AppendBool(b, u.perma)
	b = append(b, `">`...)
	b = appendXMLText(b, u.id, esc)
	b = append(b, "</guid>"...)
	b = appendElem(b, "pubDate", rfc822(it.post.Date), esc)
	for _, cat := range it.categories {
		b = appendElem(b, "category", cat.name, esc)
	}
	if !email && pr.author.Name != "" {
		b = appendElem(b, "dc:creator", pr.author.Name, esc)
	}
	return append(b, "</item>"...), nil
}

// rssHTMLEscapes are rssEscapes of text escaped as HTML first
// (html.EscapeString): the characters it escapes written as the escapes of
// their references. Other bytes are as html.EscapeString leaves them.
var rssHTMLEscapes = func() [utf8.RuneSelf]string {
	t := rssEscapes
	for _, c := range []byte(`<>&'"`) {
		t[c] = string(appendXMLText(nil, html.EscapeString(string(c)), &rssEscapes))
	}
	return t
}()

// rssName makes a name fit inside the parentheses of an RFC 822 comment.
func rssName(s string) string {
	return strings.NewReplacer("(", "[", ")", "]", "\\", "/").Replace(s)
}

func rssFeed(c *Config, ch *channel, self string, items [][]byte) ([]byte, error) {
	doc := rssDoc{
		Version:   "2.0",
		ContentNS: "http://purl.org/rss/1.0/modules/content/",
		AtomNS:    "http://www.w3.org/2005/Atom",
		DCNS:      "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			RssFeed: feeds.RssFeed{
				Title:         ch.title,
				Link:          c.homeURL(ch),
				Description:   ch.description,
				Language:      siteLang(c),
				PubDate:       rfc822(ch.updated),
				LastBuildDate: rfc822(ch.updated),
				Generator:     "feedpub",
				Docs:          "https://www.rssboard.org/rss-specification",
				Ttl:           int(math.Ceil(c.TTL.Minutes())),
			},
			Self:  []rssSelf{{Href: self, Rel: "self", Type: "application/rss+xml"}},
			Items: bytes.Join(items, nil),
		},
	}
	if c.Hub != "" {
		doc.Channel.Self = append(doc.Channel.Self, rssSelf{Href: c.Hub, Rel: "hub"})
	}
	c.rssPoll(ch, &doc.Channel)
	if c.Archives {
		links, archive, complete := c.history(ch, formatRSS, ch.arch)
		doc.FHNS = historyNS
		for _, l := range links {
			doc.Channel.Self = append(doc.Channel.Self, rssSelf{Href: l.href, Rel: l.rel, Type: "application/rss+xml"})
		}
		doc.Channel.Archive, doc.Channel.Complete = element(archive), element(complete)
	}
	b, err := marshalXML(doc)
	return hexRefs(b), err
}

func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xmlHeader)
	enc := xml.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
