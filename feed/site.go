package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"time"
)

// A Site is everything we publish, immutable once built: a map from URL
// path to a prepared file. serve answers from it and build writes it, so
// the two can never disagree.
type Site struct {
	// Files by URL path: "/rss.xml", "/categories/金融/atom.xml", and pages
	// as "/", "/categories/金融/", "/posts/x/".
	Files map[string]*File
	// NextDue is the date of the earliest post not yet due, or zero.
	NextDue time.Time
	// Posts is the number of posts published.
	Posts int

	cfg      Config
	channels []*channel
}

// A File is one prepared response: the bytes, their gzip, a strong ETag and
// the date of the newest item in it.
type File struct {
	Body     []byte
	Gzip     []byte // nil until Compress
	ETag     string // quoted, strong, from Body
	Modified time.Time
	Type     string // media type with charset
}

func newFile(body []byte, mediaType string, modified time.Time) *File {
	sum := sha256.Sum256(body)
	return &File{Body: body, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Modified: modified.UTC().Truncate(time.Second), Type: mediaType}
}

// Paths returns the site's paths in order.
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.Files))
	for p := range s.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Preview returns a copy of s that can be served while Compress runs on s:
// the files that have no gzip yet are copies in it, so Compress sets only
// the originals' Gzip, which no reader sees until s itself is served. A
// rebuild thus publishes its feeds before compressing them.
func (s *Site) Preview() *Site {
	c := *s
	c.Files = make(map[string]*File, len(s.Files))
	for p, f := range s.Files {
		if f.Gzip == nil {
			cp := *f
			f = &cp
		}
		c.Files[p] = f
	}
	return &c
}

// Compress gzips every file that has no gzip yet (files kept from an earlier
// build keep theirs), using all cores. It is done once per build, never per
// request.
func (s *Site) Compress() {
	var todo []*File
	for _, f := range s.Files {
		if f.Gzip == nil {
			todo = append(todo, f)
		}
	}
	parallel(len(todo), func(i int) { todo[i].Gzip = gzipBytes(todo[i].Body) })
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// FeedInfo describes one feed of a site, for listings.
type FeedInfo struct {
	Name    string // category name; "" for all posts
	Slug    string
	Title   string
	Dir     string // "" or "categories/<slug>/"
	Items   int    // posts in the feed (all of them, not only the newest Limit)
	Updated time.Time
}

// Feeds lists the site's feeds: all posts first, then categories by slug.
func (s *Site) Feeds() []FeedInfo {
	out := make([]FeedInfo, len(s.channels))
	for i, ch := range s.channels {
		out[i] = FeedInfo{Name: ch.name, Slug: ch.slug, Title: ch.title, Dir: ch.dir, Items: len(ch.items), Updated: ch.updated}
	}
	return out
}
