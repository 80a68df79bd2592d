package feed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// A Site is everything we publish, immutable once built: a map from URL
// path to a prepared file. serve answers from it and build writes it, so
// the two can never disagree.
type Site struct {
	// Files by URL path: "/rss.xml", "/categories/金融/atom.xml", and pages
	// as "/", "/categories/金融/". The pages of posts, "/posts/x/", are
	// not in it: File makes them when asked for.
	Files map[string]*File
	// NextDue is the date of the earliest post not yet due, or zero.
	NextDue time.Time
	// Posts is the number of posts published.
	Posts int

	cfg       Config
	channels  []*channel
	posts     []*item             // sorted by slug: the pages of posts
	postFrame *frame              // of every post's page
	feeds     map[string]leanFeed // by path, in a lean Site: its feeds
	encs      *chanEncs           // and those made, not all written yet
	chanPages map[string]*channel // by path, in a lean Site: its feeds' pages
	// lean keeps nothing that File makes: a build that writes each page
	// once has no use for them.
	lean bool
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

// Paths returns the site's paths in order, posts' pages included.
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.Files)+len(s.posts))
	for p := range s.Files {
		out = append(out, p)
	}
	for _, it := range s.posts {
		out = append(out, postPath(it))
	}
	for p := range s.feeds {
		out = append(out, p)
	}
	for p := range s.chanPages {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// post finds the item whose page is at path p.
func (s *Site) post(p string) *item {
	slug, ok := strings.CutPrefix(p, "/posts/")
	if !ok {
		return nil
	}
	if slug, ok = strings.CutSuffix(slug, "/"); !ok {
		return nil
	}
	i, found := slices.BinarySearchFunc(s.posts, slug, func(it *item, slug string) int { return strings.Compare(it.slug, slug) })
	if !found {
		return nil
	}
	return s.posts[i]
}

// Has reports whether the site has a file at path p.
func (s *Site) Has(p string) bool {
	_, feed := s.feeds[p]
	_, page := s.chanPages[p]
	return s.Files[p] != nil || s.post(p) != nil || feed || page
}

// File returns the file at path p, or nil if the site has none. A post's
// page is made now unless the post is among a feed's newest, whose pages
// are kept once made (with their gzip); making it may read the post's
// file again, which can fail.
func (s *Site) File(p string) (*File, error) {
	if f := s.held(p); f != nil {
		return f, nil
	}
	body, it, err := s.make(p)
	if body == nil || err != nil {
		return nil, err
	}
	var f *File
	switch {
	case it != nil:
		f = newFile(body, htmlType, it.post.Updated)
		if _, keep := s.keepPage(it); keep {
			f.Gzip = gzipBytes(body)
			it.page.Store(f)
		}
	case s.chanPages[p] != nil:
		f = newFile(body, htmlType, s.chanPages[p].updated)
	default:
		lf := s.feeds[p]
		f = newFile(body, formatList[lf.f].mediaType, newest(lf.ch.items, s.cfg.Limit))
	}
	return f, nil
}

// held is the file at path p that the site holds: one of Files, or a
// post's page kept from an earlier request.
func (s *Site) held(p string) *File {
	if f := s.Files[p]; f != nil {
		return f
	}
	if it := s.post(p); it != nil {
		return it.page.Load()
	}
	return nil
}

// make makes the bytes of a file the site does not hold: a post's page
// (it is the post's item), or a lean Site's feed or feed page. It returns
// nil bytes for a path with no file.
func (s *Site) make(p string) (body []byte, it *item, err error) {
	if it = s.post(p); it != nil {
		body, err = s.renderPost(it)
		return body, it, err
	}
	if ch := s.chanPages[p]; ch != nil {
		if body, err = s.cfg.renderChannel(ch); err != nil {
			return nil, nil, fmt.Errorf("feed: page of %s: %w", p, err)
		}
		return body, nil, nil
	}
	if lf, ok := s.feeds[p]; ok {
		if body, err = s.leanFeedBody(lf); err != nil {
			return nil, nil, fmt.Errorf("feed: %s: %w", p, err)
		}
		return body, nil, nil
	}
	return nil, nil, nil
}

// keepPage returns what a post's page is made from, and whether to keep
// the page: the post is among a feed's newest, so its content is kept
// already.
func (s *Site) keepPage(it *item) (*prepared, bool) {
	pr := it.prep.Load()
	return pr, pr != nil && pr.packed == nil && !s.lean
}

// renderPost makes the page of a post.
func (s *Site) renderPost(it *item) ([]byte, error) {
	pr, _ := s.keepPage(it)
	if pr == nil || pr.packed != nil {
		pr = s.cfg.prepare(it, false)
	}
	body, err := s.cfg.renderPost(it, pr, s.postFrame)
	if err != nil {
		return nil, fmt.Errorf("feed: page of %s: %w", it.post.Path, err)
	}
	return body, nil
}

// Body returns the bytes of the file at path p, made without keeping or
// hashing them: what a writer that writes each file once needs.
func (s *Site) Body(p string) ([]byte, error) {
	if f := s.held(p); f != nil {
		return f.Body, nil
	}
	body, _, err := s.make(p)
	if body == nil && err == nil {
		err = fmt.Errorf("feed: no file at %s", p)
	}
	return body, err
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
		out[i] = ch.info()
	}
	return out
}

func (ch *channel) info() FeedInfo {
	return FeedInfo{Name: ch.name, Slug: ch.slug, Title: ch.title, Dir: ch.dir, Items: len(ch.items), Updated: ch.updated}
}
