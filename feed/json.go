package feed

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonItem encodes an item as a JSON Feed 1.1 item: id, url, title,
// content_html (or content_text), summary, image, dates, authors, tags
// and language, in that order, empty ones left out (see xmltext.go).
func jsonItem(b []byte, c *Config, it *item, pr *prepared) ([]byte, error) {
	u := pr.urls()
	b = slices.Grow(b, len(pr.content)+2*len(pr.summary)+1024)
	b = appendJSONField(b, `{"id":`, u.id)
	if u.link != "" {
		b = appendJSONField(b, `,"url":`, u.link)
	}
	b = appendJSONField(b, `,"title":`, pr.post.Title)
	// content_html is always written, empty for an empty post, since an
	// item must have content_html or content_text; an item that carries
	// its summary alone has content_text.
	if pr.brief {
		b = appendJSONField(b, `,"content_text":`, pr.summary)
	} else {
		b = appendJSONContent(append(b, `,"content_html":`...), pr.content) // prepared: valid UTF-8
	}
	if pr.summary != "" {
		b = appendJSONField(b, `,"summary":`, pr.summary)
	}
	if u.image != "" {
		b = appendJSONField(b, `,"image":`, u.image)
	}
	b = appendJSONField(b, `,"date_published":`, rfc3339(c, it.post.Date))
	b = appendJSONField(b, `,"date_modified":`, rfc3339(c, it.post.Updated))
	b = appendJSONField(b, `,"authors":[{"name":`, pr.author.Name)
	if u.author != "" {
		b = appendJSONField(b, `,"url":`, u.author)
	}
	b = append(b, "}]"...)
	var tags []string
	for _, cat := range it.categories {
		tags = appendNew(tags, cat.name)
	}
	for _, t := range pr.post.Tags {
		tags = appendNew(tags, t)
	}
	for i, t := range tags {
		b = appendJSONField(b, [2]string{`,"tags":[`, ","}[min(i, 1)], t)
	}
	if len(tags) > 0 {
		b = append(b, ']')
	}
	if validLang(pr.post.Lang) {
		b = appendJSONField(b, `,"language":`, pr.post.Lang)
	}
	return append(b, '}'), nil
}

// appendJSONField appends prefix (a key, with its punctuation) and s.
func appendJSONField(b []byte, prefix, s string) []byte {
	return appendJSONString(append(b, prefix...), s)
}

func appendNew(list []string, s string) []string {
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}

func jsonFeed(c *Config, ch *channel, self string, items [][]byte) ([]byte, error) {
	doc := feeds.JSONFeed{
		Version:     jsonFeedVersion,
		Title:       ch.title,
		Language:    siteLang(c),
		HomePageUrl: c.homeURL(ch),
		FeedUrl:     self,
		Description: ch.description,
		Authors:     []*feeds.JSONAuthor{{Name: c.Author}},
	}
	if c.Archives {
		links, _, _ := c.history(ch, formatJSON, ch.arch)
		for _, l := range links {
			if l.rel == "prev-archive" { // older items
				doc.NextUrl = l.href
			}
		}
	}
	if c.Hub != "" {
		doc.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: c.Hub}}
	}
	head, err := marshalJSON(doc)
	if err != nil {
		return nil, err
	}
	// Splice the items, encoded once each, in before the closing brace.
	var buf bytes.Buffer
	buf.Grow(len(head) + 16 + len(items)*8192)
	buf.Write(head[:len(head)-1])
	buf.WriteString(`,"items":[`)
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}

func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
