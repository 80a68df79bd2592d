package feed

// A format is one kind of feed we publish. Adding a format is one more row
// in formatList.
type format struct {
	name      string // short name, as in ?format= and logs
	file      string // file name inside a feed's folder
	mediaType string
	// item appends the encoding of one item to b; feed wraps encoded
	// items into a whole feed.
	item func(b []byte, c *Config, it *item, pr *prepared) ([]byte, error)
	feed func(c *Config, ch *channel, self string, items [][]byte) ([]byte, error)
}

// nFormats is the number of rows in formatList.
const nFormats = 3

// The rows of formatList, for an encoder that links to its own format's
// other documents.
const (
	formatRSS = iota
	formatAtom
	formatJSON
)

// formatFiles are the file names of the rows of formatList.
var formatFiles = [nFormats]string{"rss.xml", "atom.xml", "feed.json"}

var formatList = [nFormats]format{
	{name: "rss", file: formatFiles[formatRSS], mediaType: "application/rss+xml; charset=utf-8", item: rssItem, feed: rssFeed},
	{name: "atom", file: formatFiles[formatAtom], mediaType: "application/atom+xml; charset=utf-8", item: atomEntry, feed: atomFeed},
	{name: "json", file: formatFiles[formatJSON], mediaType: "application/feed+json; charset=utf-8", item: jsonItem, feed: jsonFeed},
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// feedURL is the absolute URL of ch's feed in format f.
func (c *Config) feedURL(ch *channel, f *format) string {
	return c.abs(ch.dir + f.file)
}

// homeURL is the page for people that goes with ch.
func (c *Config) homeURL(ch *channel) string {
	if ch.dir == "" {
		return c.URL
	}
	return c.abs(ch.dir)
}
