package feed

import (
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"
)

// Config is what a Site needs to know about itself. The zero value is
// usable: Defaults fills what is missing.
type Config struct {
	Title       string
	Description string
	URL         string // base of every absolute link, ending in "/"
	Language    string // BCP 47, e.g. zh-CN
	Author      string // for posts that name none; Title when empty
	Limit       int    // items per feed
	// TTL is how often feeds are regenerated: RSS ttl and Cache-Control
	// max-age follow it.
	TTL time.Duration
	// PollHints, when on, sets each feed's RSS ttl, skipHours and skipDays
	// (and serve's Cache-Control) from when its posts appear (pollhint.go)
	// in place of TTL.
	PollHints PollHints
	Location  *time.Location // zone of dates written in Atom and JSON Feed
	Summary   int            // characters of text in a summary made from the body
	// Taxonomies names the taxonomies that get feeds of their own
	// (Taxonomies() lists them): nil for all of them, empty for none.
	Taxonomies []string
	// Content is what items carry: ContentFull (the default) or
	// ContentSummary.
	Content string
	// MaxFeedBytes is the most bytes a feed may take (DefaultMaxFeedBytes
	// when 0): past it, its oldest items carry their summaries alone, then
	// are left out.
	MaxFeedBytes int
	// Templates, when set, holds templates (*.html) that take the place
	// of the embedded ones of the same name (see feed/templates).
	Templates fs.FS
	// Archives adds to each feed the archive documents of RFC 5005
	// (archive.go).
	Archives bool
	// Hub is the WebSub hub every feed names (rel="hub"), or "".
	Hub string
	// Memory, when set, is what a publisher keeps of earlier builds: the
	// content of posts whose files no longer read. Not a setting: no part
	// of Fingerprint.
	Memory Memory
	// Tombstones is how long a post removed from the feeds (deleted, or
	// marked draft) stays in the Atom feeds that held it as an RFC 6721
	// at:deleted-entry (DefaultTombstones when 0; none when negative).
	// Only a build with a Memory knows of removed posts.
	Tombstones time.Duration
}

// DefaultLimit is how many items a feed holds unless the configuration says.
const DefaultLimit = 50

// Defaults for the fields of Config.
const (
	defaultTitle   = "feedpub"
	defaultURL     = "http://127.0.0.1:8080/"
	defaultTTL     = time.Minute
	defaultSummary = 200
)

// WithDefaults returns c with every empty field set to its default, and an
// error if a field is set to something that cannot work.
func (c Config) WithDefaults() (Config, error) {
	if c.Title == "" {
		c.Title = defaultTitle
	}
	if c.Description == "" {
		c.Description = c.Title
	}
	if c.URL == "" {
		c.URL = defaultURL
	}
	u, err := url.Parse(c.URL)
	if err != nil || !isHTTP(u) {
		return c, fmt.Errorf("site url %q: want an absolute http(s) URL such as https://news.example.com/", c.URL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	c.URL = u.String()
	if c.Language == "" {
		c.Language = "zh-CN"
	}
	if c.Author == "" {
		c.Author = c.Title
	}
	switch {
	case c.Limit < 0:
		return c, fmt.Errorf("limit %d: want a positive number of items per feed", c.Limit)
	case c.Limit == 0:
		c.Limit = DefaultLimit
	}
	switch {
	case c.TTL < 0:
		return c, fmt.Errorf("ttl %v: want a positive duration", c.TTL)
	case c.TTL == 0:
		c.TTL = defaultTTL
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Tombstones == 0 {
		c.Tombstones = DefaultTombstones
	}
	if c.Summary <= 0 {
		c.Summary = defaultSummary
	}
	switch c.Content {
	case "":
		c.Content = ContentFull
	case ContentFull, ContentSummary:
	default:
		return c, fmt.Errorf("content %q: want %s or %s", c.Content, ContentFull, ContentSummary)
	}
	switch {
	case c.MaxFeedBytes < 0:
		return c, fmt.Errorf("max_feed_bytes %d: want a positive number of bytes", c.MaxFeedBytes)
	case c.MaxFeedBytes == 0:
		c.MaxFeedBytes = DefaultMaxFeedBytes
	}
	if u, err := url.Parse(c.Hub); c.Hub != "" && (err != nil || !isHTTP(u)) {
		return c, fmt.Errorf("websub.hub %q: want an absolute http(s) URL", c.Hub)
	}
	if err := c.PollHints.check(); err != nil {
		return c, err
	}
	if c.Taxonomies == nil {
		c.Taxonomies = Taxonomies()
	}
	if _, err := taxonomiesOf(c.Taxonomies); err != nil {
		return c, err
	}
	return c, nil
}

// abs returns the absolute URL of a site path such as "categories/金融/rss.xml",
// with every segment percent-encoded.
func (c *Config) abs(path string) string {
	path = strings.TrimPrefix(path, "/")
	if pathPlain(path) { // as url.PathEscape leaves each segment
		return c.URL + path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return c.URL + strings.Join(segs, "/")
}
