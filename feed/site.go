package feed

import (
	"encoding/hex"
	"fmt"
	"iter"
	"sort"
	"strings"
	"sync"
	"time"
)

// A Site is everything we publish: every feed and page, by URL path. serve
// answers from it and build writes it, so the two can never disagree.
//
// The files a Site holds made (Made) never change. The others (the pages
// of posts; in a lean Site its feeds and their pages; feeds narrowed by a
// Query) are made when asked for, from what the Site keeps, and what it
// keeps does change, safely for concurrent use: the page of a post among a
// feed's newest is kept once made (item.page), and a later Build of the
// same Builder may drop the content and encodings that its items share
// with this Site (item.release), which are then made again, with the same
// bytes, unless the post's body was not kept in memory (a large folder) and
// its file changed since: then the post shows without its content until
// the next build (see renderer.prepare).
type Site struct {
	// NextDue is the date of the earliest post not yet due, or zero.
	NextDue time.Time
	// Posts is the number of posts published.
	Posts int

	// Set by Build, then only read.
	r        *renderer
	paths    map[string]siteFile // every path but the pages of posts
	channels []*channel          // all posts first, then categories by slug
	pages    pageList            // the pages of posts
	encs     *chanEncs           // a lean Site's feeds made, each kept until taken; locks itself
	// lean keeps nothing that File makes: a build that writes each page
	// once has no use for them.
	lean bool
	// featured holds a lean Site's items among a feed's newest, whose
	// content their feeds keep.
	featured map[*item]bool
	// chanKeys holds each channel's part of the keys of its files (Key).
	chanKeys *sync.Map // *channel -> string; those of channels it shares with the last Site are that Site's
	removals []Removal // found by the build (Removals)
}

// A siteFile is what a Site has at one path: the bytes, or in a lean Site
// what makes them when asked for.
type siteFile struct {
	file *File    // nil in a lean Site's feeds and feeds' pages
	ch   *channel // of a feed or a feed's page; nil for the other pages
	f    int      // a feed's format, an index in formatList; -1 for a page
	arch int      // an archive document's number (archive.go), made when asked for; 0 for others
}

// A File is one prepared response: the bytes, a strong ETag and the date
// of the newest item in it. It never changes once made.
type File struct {
	Body     []byte
	ETag     string // quoted, strong, from Body
	Modified time.Time
	Type     string // media type with charset
}

func newFile(body []byte, mediaType string, modified time.Time) *File {
	sum := BodySum(body)
	return &File{Body: body, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Modified: modified.UTC().Truncate(time.Second), Type: mediaType}
}

// Paths returns the site's paths in order, posts' pages included.
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.paths))
	for p := range s.paths {
		out = append(out, p)
	}
	sort.Strings(out)
	return mergeFunc(out, s.pages.paths, strings.Compare) // kept sorted from build to build
}

// Made yields the files the Site holds made, by path: every feed and
// page but the pages of posts, or in a lean Site the index, the OPML list
// and the stylesheet.
func (s *Site) Made() iter.Seq2[string, *File] {
	return func(yield func(string, *File) bool) {
		for p, sf := range s.paths {
			if sf.file != nil && !yield(p, sf.file) {
				return
			}
		}
	}
}

// lookup finds what the Site has at path p: a siteFile, or the item whose
// page is there. ok is false when it has nothing.
func (s *Site) lookup(p string) (sf siteFile, it *item, ok bool) {
	if sf, ok = s.paths[p]; ok {
		return sf, nil, true
	}
	it = s.post(p)
	return siteFile{}, it, it != nil
}

// post finds the item whose page is at path p.
func (s *Site) post(p string) *item {
	if i := s.pages.find(p); i >= 0 {
		return s.pages.items[i]
	}
	return nil
}

// PostPage reports whether the file at path p is the page of a post. A
// writer of a lean Site that writes these before feeds reads and
// sanitises each post once: the page of a post among a feed's newest
// keeps its content for the feeds, where a feed made first would keep it
// and the page unpack it again.
func (s *Site) PostPage(p string) bool {
	_, ok := s.paths[p]
	return !ok && s.post(p) != nil
}

// Has reports whether the site has a file at path p.
func (s *Site) Has(p string) bool {
	_, _, ok := s.lookup(p)
	return ok
}

// File returns the file at path p, or nil if the site has none. A post's
// page is made now unless the post is among a feed's newest, whose pages
// are kept once made; making it may read the post's file again, which can
// fail.
func (s *Site) File(p string) (*File, error) {
	sf, it, ok := s.lookup(p)
	switch {
	case !ok:
		return nil, nil
	case sf.file != nil:
		return sf.file, nil
	case it != nil:
		older, newer := s.neighbours(it)
		if f := it.page.Load().of(older, newer); f != nil {
			return f, nil
		}
		body, err := s.renderPost(it, older, newer, bufs{})
		if err != nil {
			return nil, err
		}
		f := newFile(body, htmlType, pageModified(it, older, newer))
		if _, keep := s.keepPage(it); keep {
			it.page.Store(&postFile{f, older, newer})
		}
		return f, nil
	}
	body, err := s.make(p, sf, bufs{})
	if err != nil {
		return nil, err
	}
	if sf.f < 0 {
		return newFile(body, htmlType, sf.ch.updated), nil
	}
	if sf.arch > 0 {
		items := s.r.archiveItems(sf.ch, sf.arch)
		return newFile(body, formatList[sf.f].mediaType, newest(items, len(items))), nil
	}
	return newFile(body, formatList[sf.f].mediaType, newest(sf.ch.items, s.r.Limit)), nil
}

// Body returns the bytes of the file at path p, made without keeping or
// hashing them: what a writer that writes each file once needs.
func (s *Site) Body(p string) ([]byte, error) {
	b, err := s.body(p, bufs{})
	return b.Bytes, err
}

// TakeBody is Body for a writer that is done with the bytes once written:
// made, when made for this call alone (Body.Owned), in the buffers of
// bodies given back before (Body.Release), which the caller gives back in
// turn. A feed of a lean Site made with its other formats is owned by the
// call that takes it: the Site drops it then (leanFeedBody).
func (s *Site) TakeBody(p string) (Body, error) { return s.body(p, bufs{pooled: true}) }

// body is Body, its bytes made in buffers from in.
func (s *Site) body(p string, in bufs) (Body, error) {
	sf, it, ok := s.lookup(p)
	switch {
	case !ok:
		return Body{}, fmt.Errorf("feed: no file at %s", p)
	case sf.file != nil:
		return Body{Bytes: sf.file.Body}, nil
	case it != nil:
		older, newer := s.neighbours(it)
		if f := it.page.Load().of(older, newer); f != nil {
			return Body{Bytes: f.Body}, nil
		}
		b, err := s.renderPost(it, older, newer, in)
		return Body{Bytes: b, owned: err == nil}, err
	}
	b, err := s.make(p, sf, in)
	return Body{Bytes: b, owned: err == nil}, err
}

// make makes the bytes of a lean Site's feed or feed's page at path p, or
// of an archive document, in buffers from in: new ones for this call alone.
func (s *Site) make(p string, sf siteFile, in bufs) ([]byte, error) {
	if sf.arch > 0 {
		body, err := s.archiveBody(sf.ch, sf.f, sf.arch, nil)
		if err != nil {
			return nil, fmt.Errorf("feed: %s: %w", p, err)
		}
		return body, nil
	}
	s.prepChannel(sf.ch)
	if sf.f < 0 {
		body, err := s.r.renderChannel(sf.ch, in)
		if err != nil {
			return nil, fmt.Errorf("feed: page of %s: %w", p, err)
		}
		return body, nil
	}
	body, err := s.leanFeedBody(sf.ch, sf.f, in)
	if err != nil {
		return nil, fmt.Errorf("feed: %s: %w", p, err)
	}
	return body, nil
}

// keepPage returns what a post's page is made from, and whether to keep
// the page: the post is among a feed's newest, so its content is kept
// already.
func (s *Site) keepPage(it *item) (*prepared, bool) {
	pr := it.prep.Load()
	return pr, pr != nil && pr.packed == nil && !s.lean
}

// renderPost makes the page of a post, which links to its neighbours in
// time, older and newer (Site.neighbours), in a buffer from in.
func (s *Site) renderPost(it *item, older, newer *item, in bufs) ([]byte, error) {
	pr, _ := s.keepPage(it)
	switch {
	case s.featured[it]:
		pr = s.r.prepareKept(it)
	case pr == nil || pr.packed != nil:
		pr = s.r.prepare(it, false) // unpacked, unless kept whole
	}
	body, err := s.r.renderPost(it, pr, older, newer, in)
	if err != nil {
		return nil, fmt.Errorf("feed: page of %s: %w", it.post.Path, err)
	}
	return body, nil
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
