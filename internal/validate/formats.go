package validate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const (
	atomNS    = "http://www.w3.org/2005/Atom"
	contentNS = "http://purl.org/rss/1.0/modules/content/"
	dcNS      = "http://purl.org/dc/elements/1.1/"
)

type rssXML struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		// <link> and <atom:link> both match "link": they are told apart
		// by namespace.
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Type    string `xml:"type,attr"`
			Text    string `xml:",chardata"`
		} `xml:"link"`
		Description   string `xml:"description"`
		Language      string `xml:"language"`
		PubDate       string `xml:"pubDate"`
		LastBuildDate string `xml:"lastBuildDate"`
		TTL           string `xml:"ttl"`
		SkipHours     []struct {
			Hour []string `xml:"hour"`
		} `xml:"skipHours"`
		SkipDays []struct {
			Day []string `xml:"day"`
		} `xml:"skipDays"`
		Items []rssItemXML `xml:"item"`
	} `xml:"channel"`
}

type rssItemXML struct {
	Title       []string `xml:"title"`
	Link        []string `xml:"link"`
	Description []string `xml:"description"`
	Content     []string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Author      []string `xml:"author"`
	Creator     []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Category    []struct {
		Domain string `xml:"domain,attr"`
		Name   string `xml:",chardata"`
	} `xml:"category"`
	Enclosure []struct {
		URL    *string `xml:"url,attr"`
		Length *string `xml:"length,attr"`
		Type   *string `xml:"type,attr"`
	} `xml:"enclosure"`
	GUID []struct {
		IsPermaLink *string `xml:"isPermaLink,attr"`
		ID          string  `xml:",chardata"`
	} `xml:"guid"`
	PubDate []string `xml:"pubDate"`
}

var rssAuthor = regexp.MustCompile(`^(\S+@\S+) \((.+)\)$`)

var cdataSection = regexp.MustCompile(`(?s)<!\[CDATA\[.*?\]\]>`)

func checkRSS(data []byte, opt Options) (*Feed, []error) {
	var doc rssXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, []error{fmt.Errorf("rss: %w", err)}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("rss: "+format, args...)) }
	ch := &doc.Channel
	if doc.Version != "2.0" {
		bad("version %q, want 2.0", doc.Version)
	}
	if ch.Title == "" || ch.Description == "" {
		bad("channel title %q, description %q: both are required", ch.Title, ch.Description)
	}
	// The RSS Advisory Board's best practice: & and < in plain text as
	// hexadecimal character references, never &amp; or &lt;.
	if outside := cdataSection.ReplaceAll(data, nil); bytes.Contains(outside, []byte("&amp;")) || bytes.Contains(outside, []byte("&lt;")) {
		bad("&amp; or &lt; outside CDATA: want &#x26; and &#x3C;")
	}
	var link string
	self := 0
	for _, l := range ch.Links {
		switch l.XMLName.Space {
		case "":
			if link != "" {
				bad("more than one channel link")
			}
			link = l.Text
		case atomNS:
			if l.Rel == "self" {
				self++
				if l.Href != opt.SelfURL || l.Type != "application/rss+xml" {
					bad(`atom:link rel="self" href %q type %q, want %q application/rss+xml`, l.Href, l.Type, opt.SelfURL)
				}
			}
		}
	}
	if self != 1 {
		bad(`%d atom:link rel="self", want 1`, self)
	}
	if err := CheckIRI(link, false); err != nil {
		bad("channel link: %v", err)
	}
	if ch.Language == "" || (opt.Language != "" && ch.Language != opt.Language) {
		bad("language %q, want %q", ch.Language, opt.Language)
	}
	if opt.TTL > 0 && ch.TTL != itoa(opt.TTL) {
		bad("ttl %q, want %d", ch.TTL, opt.TTL)
	}
	for _, err := range checkSkips(ch.SkipHours, ch.SkipDays) {
		bad("%v", err)
	}
	for _, d := range []string{ch.PubDate, ch.LastBuildDate} {
		if _, err := parseRFC822(d); err != nil {
			bad("channel: %v", err)
		}
	}
	f := &Feed{Format: "rss", Title: ch.Title, Self: opt.SelfURL}
	for i, x := range ch.Items {
		at := func(format string, args ...any) { bad("item %d: "+format, append([]any{i}, args...)...) }
		if it, ok := checkRSSItem(&x, at); ok {
			f.Items = append(f.Items, it)
		}
	}
	return f, errs
}

// checkSkips applies RSS 2.0's rules to skipHours and skipDays: each at
// most once, with up to 24 hours from 0 to 23 and up to 7 days named in
// English, none twice; and not every hour or day, which would say never
// to poll.
func checkSkips(hours []struct {
	Hour []string `xml:"hour"`
}, days []struct {
	Day []string `xml:"day"`
}) []error {
	var errs []error
	if len(hours) > 1 || len(days) > 1 {
		errs = append(errs, fmt.Errorf("%d skipHours and %d skipDays, want at most one each", len(hours), len(days)))
	}
	seen := map[string]bool{}
	for _, h := range hours {
		for _, s := range h.Hour {
			if n, err := strconv.Atoi(s); err != nil || n < 0 || n > 23 || seen[s] {
				errs = append(errs, fmt.Errorf("skipHours: hour %q: want 0 to 23, once", s))
			}
			seen[s] = true
		}
		if len(h.Hour) == 0 || len(h.Hour) >= 24 {
			errs = append(errs, fmt.Errorf("skipHours: %d hours, want 1 to 23", len(h.Hour)))
		}
	}
	names := map[string]bool{"Monday": true, "Tuesday": true, "Wednesday": true, "Thursday": true, "Friday": true, "Saturday": true, "Sunday": true}
	for _, d := range days {
		for _, s := range d.Day {
			if !names[s] || seen[s] {
				errs = append(errs, fmt.Errorf("skipDays: day %q: want an English day name, once", s))
			}
			seen[s] = true
		}
		if len(d.Day) == 0 || len(d.Day) >= 7 {
			errs = append(errs, fmt.Errorf("skipDays: %d days, want 1 to 6", len(d.Day)))
		}
	}
	return errs
}

// rssItemAuthor is the name of an item's author, from author (as
// `email (name)`) or dc:creator, whichever it has: one of them, once.
func rssItemAuthor(x *rssItemXML, at func(format string, args ...any)) (name string) {
	switch {
	case len(x.Author) > 1 || len(x.Creator) > 1:
		at("more than one author")
	case len(x.Author) == 1:
		m := rssAuthor.FindStringSubmatch(x.Author[0])
		if m == nil || !ValidEmail(m[1]) {
			at("author %q is not `email (name)`", x.Author[0])
		} else {
			name = m[2]
		}
		if len(x.Creator) > 0 {
			at("both author and dc:creator")
		}
	case len(x.Creator) == 1:
		name = x.Creator[0]
	default:
		at("no author nor dc:creator")
	}
	if name == "" && len(x.Author)+len(x.Creator) > 0 {
		at("empty author name")
	}
	return name
}

// checkRSSItem checks one item, reporting each problem through at; ok is
// false when it lacks what the rest is checked against.
func checkRSSItem(x *rssItemXML, at func(format string, args ...any)) (it Item, ok bool) {
	if one(x.Title) && one(x.Link) && len(x.GUID) == 1 && one(x.PubDate) {
		it.Title, it.Link, it.ID = x.Title[0], x.Link[0], x.GUID[0].ID
	} else {
		at("want one each of title, link, guid and pubDate")
		return it, false
	}
	if err := CheckIRI(it.Link, false); err != nil {
		at("link: %v", err)
	}
	// isPermaLink defaults to true: then the guid must be a URL.
	perma := x.GUID[0].IsPermaLink == nil || *x.GUID[0].IsPermaLink == "true"
	if perma {
		if err := CheckIRI(it.ID, false); err != nil {
			at("guid is a permalink but: %v", err)
		}
	} else if *x.GUID[0].IsPermaLink != "false" {
		at("guid isPermaLink %q", *x.GUID[0].IsPermaLink)
	} else if it.ID == it.Link {
		at("guid %q is the item's link but isPermaLink is false", it.ID)
	}
	t, err := parseRFC822(x.PubDate[0])
	if err != nil {
		at("pubDate: %v", err)
	}
	it.Published = t
	it.Author = rssItemAuthor(x, at)
	for _, c := range x.Category {
		if strings.TrimSpace(c.Name) == "" {
			at("empty category")
		}
		it.Categories = append(it.Categories, c.Name)
	}
	if len(x.Enclosure) > 1 {
		at("%d enclosures; readers take one", len(x.Enclosure))
	}
	for _, e := range x.Enclosure {
		if e.URL == nil || e.Length == nil || e.Type == nil {
			at("enclosure without url, length or type")
			continue
		}
		if err := CheckIRI(*e.URL, false); err != nil {
			at("enclosure url: %v", err)
		}
		if !regexp.MustCompile(`^[0-9]+$`).MatchString(*e.Length) {
			at("enclosure length %q is not a number of bytes", *e.Length)
		}
		if !strings.Contains(*e.Type, "/") {
			at("enclosure type %q is not a media type", *e.Type)
		}
	}
	if len(x.Content) > 1 || len(x.Description) > 1 {
		at("more than one description or content:encoded")
	}
	for _, c := range x.Content {
		for _, err := range CheckHTML(c) {
			at("content:encoded: %v", err)
		}
	}
	for _, d := range x.Description {
		for _, err := range CheckHTML(d) {
			at("description: %v", err)
		}
	}
	return it, true
}

func one(s []string) bool { return len(s) == 1 }

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomPerson struct {
	Name  []string `xml:"http://www.w3.org/2005/Atom name"`
	Email []string `xml:"http://www.w3.org/2005/Atom email"`
	URI   []string `xml:"http://www.w3.org/2005/Atom uri"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type atomXML struct {
	XMLName xml.Name       `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string         `xml:"http://www.w3.org/2005/Atom id"`
	Title   string         `xml:"http://www.w3.org/2005/Atom title"`
	Updated string         `xml:"http://www.w3.org/2005/Atom updated"`
	Links   []atomLink     `xml:"http://www.w3.org/2005/Atom link"`
	Entries []atomEntryXML `xml:"http://www.w3.org/2005/Atom entry"`
}

type atomEntryXML struct {
	ID        []string     `xml:"http://www.w3.org/2005/Atom id"`
	Title     []atomText   `xml:"http://www.w3.org/2005/Atom title"`
	Updated   []string     `xml:"http://www.w3.org/2005/Atom updated"`
	Published []string     `xml:"http://www.w3.org/2005/Atom published"`
	Authors   []atomPerson `xml:"http://www.w3.org/2005/Atom author"`
	Links     []atomLink   `xml:"http://www.w3.org/2005/Atom link"`
	Content   []atomText   `xml:"http://www.w3.org/2005/Atom content"`
	Summary   []atomText   `xml:"http://www.w3.org/2005/Atom summary"`
	Category  []struct {
		Term   *string `xml:"term,attr"`
		Scheme string  `xml:"scheme,attr"`
	} `xml:"http://www.w3.org/2005/Atom category"`
}

func checkAtom(data []byte, opt Options) (*Feed, []error) {
	var doc atomXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, []error{fmt.Errorf("atom: %w", err)}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("atom: "+format, args...)) }
	if err := CheckIRI(doc.ID, true); err != nil {
		bad("feed id: %v", err)
	}
	if _, err := parseRFC3339(doc.Updated); err != nil {
		bad("feed updated: %v", err)
	}
	if opt.Language != "" && doc.Lang != opt.Language {
		bad("xml:lang %q, want %q", doc.Lang, opt.Language)
	}
	self := 0
	for _, l := range doc.Links {
		if err := CheckIRI(l.Href, false); err != nil {
			bad("feed link %s: %v", l.Rel, err)
		}
		if l.Rel == "self" {
			self++
			if l.Href != opt.SelfURL {
				bad(`link rel="self" href %q, want %q`, l.Href, opt.SelfURL)
			}
		}
	}
	if self != 1 {
		bad(`%d link rel="self", want 1`, self)
	}
	f := &Feed{Format: "atom", Title: doc.Title, Self: opt.SelfURL}
	for i, x := range doc.Entries {
		at := func(format string, args ...any) { bad("entry %d: "+format, append([]any{i}, args...)...) }
		if it, ok := checkAtomEntry(&x, at); ok {
			f.Items = append(f.Items, it)
		}
	}
	return f, errs
}

// atomEntryAuthor is the name of an entry's author. RFC 4287 lets an entry
// take its author from the feed; we want each entry to name its own, so
// that it stands alone.
func atomEntryAuthor(authors []atomPerson, at func(format string, args ...any)) (name string) {
	if len(authors) == 0 {
		at("no author")
	}
	for _, a := range authors {
		if !one(a.Name) || strings.TrimSpace(a.Name[0]) == "" {
			at("author without a name")
			continue
		}
		name = a.Name[0]
		for _, e := range a.Email {
			if !ValidEmail(e) {
				at("author email %q", e)
			}
		}
		for _, u := range a.URI {
			if err := CheckIRI(u, false); err != nil {
				at("author uri: %v", err)
			}
		}
	}
	return name
}

// checkAtomEntry checks one entry, reporting each problem through at; ok
// is false when it lacks what the rest is checked against.
func checkAtomEntry(x *atomEntryXML, at func(format string, args ...any)) (it Item, ok bool) {
	if !one(x.ID) || len(x.Title) != 1 || !one(x.Updated) || len(x.Published) > 1 {
		at("want one id, title and updated, at most one published")
		return Item{}, false
	}
	it = Item{ID: x.ID[0], Title: x.Title[0].Text}
	if tt := x.Title[0].Type; tt != "" && tt != "text" {
		at("title type %q: titles are plain text", tt)
	}
	if err := CheckIRI(it.ID, true); err != nil {
		at("id: %v", err)
	}
	var err error
	if it.Updated, err = parseRFC3339(x.Updated[0]); err != nil {
		at("updated: %v", err)
	}
	if one(x.Published) {
		if it.Published, err = parseRFC3339(x.Published[0]); err != nil {
			at("published: %v", err)
		}
	} else {
		it.Published = it.Updated
	}
	it.Author = atomEntryAuthor(x.Authors, at)
	alternate := 0
	for _, l := range x.Links {
		if err := CheckIRI(l.Href, false); err != nil {
			at("link %s: %v", l.Rel, err)
		}
		if l.Rel == "" || l.Rel == "alternate" {
			alternate++
			it.Link = l.Href
		}
	}
	if alternate != 1 {
		at("%d alternate links, want 1", alternate)
	}
	for _, c := range x.Category {
		if c.Term == nil || strings.TrimSpace(*c.Term) == "" {
			at("category without a term")
			continue
		}
		it.Categories = append(it.Categories, *c.Term)
	}
	for _, c := range x.Content {
		if c.Type != "html" {
			at("content type %q, want html", c.Type)
		}
		for _, err := range CheckHTML(c.Text) {
			at("content: %v", err)
		}
	}
	for _, s := range x.Summary {
		if s.Type == "html" {
			for _, err := range CheckHTML(s.Text) {
				at("summary: %v", err)
			}
		}
	}
	return it, true
}
