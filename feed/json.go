package feed

import (
	"bytes"
	"encoding/json"

	"github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

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

func jsonItem(c *Config, it *item, pr *prepared) ([]byte, error) {
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
