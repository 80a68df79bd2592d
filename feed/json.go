package feed

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// gorilla/feeds' JSON Feed item, extended with the item's language.
type jsonItemJSON struct {
	feeds.JSONItem
	Language string `json:"language,omitempty"`
}

func jsonItem(c *Config, it *item) ([]byte, error) {
	pub, mod := it.post.Date.In(c.Location).Truncate(time.Second), it.post.Updated.In(c.Location).Truncate(time.Second)
	x := jsonItemJSON{JSONItem: feeds.JSONItem{
		Id:            it.id,
		Url:           it.link,
		Title:         it.post.Title,
		ContentHTML:   it.content,
		Summary:       it.summary,
		Image:         it.image,
		PublishedDate: &pub,
		ModifiedDate:  &mod,
		Authors:       []*feeds.JSONAuthor{{Name: it.author.Name, Url: it.author.URL}},
	}, Language: it.post.Lang}
	for _, cat := range it.categories {
		x.Tags = append(x.Tags, cat.name)
	}
	for _, t := range it.post.Tags {
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
		Language:    c.Language,
		HomePageUrl: c.homeURL(ch),
		FeedUrl:     self,
		Description: ch.description,
		Authors:     []*feeds.JSONAuthor{{Name: c.Author}},
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
