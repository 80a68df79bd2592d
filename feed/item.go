package feed

import (
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"feedpub/loader"
)

// An item is a post prepared for publishing: absolute links, sanitised
// content, summary, and its encoding in each format, made once and reused
// by every feed that holds it and by later builds while the post is the
// same.
type item struct {
	// Set when the item is made, then only read.
	post       *loader.Post // as the loader keeps it: maybe slim (see loader.Post.Full)
	slug       string       // of the post's page, /posts/<slug>/
	categories []category   // the post's, with their slugs: where it can, the first of terms
	terms      []term       // the feeds of taxonomies it belongs to

	// prep and page are kept while the item is among a feed's newest
	// Limit (release drops them): the other posts of a large folder cost
	// their metadata only, and their pages are made when asked for.
	// Atomic: a served Site reads them while a build sets or drops them.
	prep   atomic.Pointer[prepared]
	page   atomic.Pointer[postFile] // its page for people (Site.File), with the neighbours it links to
	key    atomic.Pointer[pageKey]  // its page's key (Site.Key), with the neighbours it was made with
	at     atomic.Int32             // its place among all items, newest first, in the latest build
	prepMu sync.Mutex               // one making of prep at a time

	// Guarded by Builder.mu: only a build reads or writes them. (Fields
	// are ordered so that an item takes 160 bytes, not 176: 1.6 MB at
	// 100,000 posts.)
	feeds    int32 // feeds whose newest Limit hold it, in the last build
	gone     bool  // left the Builder: its post changed, went or is no longer due
	termNums []int // Builder.termNums of its terms, made by termNumsOf

	mu sync.Mutex // guards enc: feeds are encoded in parallel, and served Sites read it
	// enc is its encoding in each format, made for the items among a
	// feed's newest (nil for the others, most posts of a large folder);
	// guarded by mu.
	enc *[nFormats][]byte
}

// A category is a post's category, with its slug: a term of the
// categories taxonomy, so that an item's categories can be the first of
// its terms rather than a copy.
type category = term

// prepared is what an item's page and feeds show, made from the whole
// post: its body sanitised, and its links made absolute. It never changes
// once made.
type prepared struct {
	post      *loader.Post // whole, even when the item's is slim
	id        string       // stable: from the post's link, else from its path
	link      string
	image     string // absolute URL, or ""
	imageType string
	author    loader.Author
	content   string   // sanitised HTML with absolute URLs
	summary   string   // plain text
	packed    []byte   // content compressed, in place of content (prepareLean) or beside it (renderer.whole)
	size      int      // with packed: the length of content
	brief     bool     // feeds carry the summary alone (see briefed)
	lost      bool     // the post could not be read again, nor its content had from Config.Memory
	web       itemURLs // the URLs above as feeds write them (urls), made for a prepared kept
}

// A channel is one feed: all posts, or one category. It never changes
// once a build has made it.
type channel struct {
	name        string // the term's name (a category ...); "" for all posts
	slug        string
	tax         int    // its taxonomy, a row of taxonomyList; -1 for all posts
	dir         string // "" or "<taxonomy dir><slug>/", e.g. "categories/<slug>/"
	title       string
	description string
	items       []*item // newest first, all of them; feeds hold the first Limit
	arch        int     // in a copy made for an archive document: its number (archive.go)
	updated     time.Time
	gone        []tombstone // of the posts removed from its feed, newest first (tombstone.go)
}

// newItem makes the item of a post. What it costs to show the post waits
// until a page or a feed needs it (prepare): most posts of a large folder
// are in no feed's newest Limit.
func newItem(p *loader.Post, slug string, taxes []int, slugs *slugCache) *item {
	it := &item{post: p, slug: slug, terms: termsOf(p, taxes, slugs)}
	it.categories = categoriesOf(p, it.terms, slugs)
	return it
}

// categoriesOf is the categories of post p: the first of its terms where
// those are its categories (the categories taxonomy comes first), made
// now otherwise.
func categoriesOf(p *loader.Post, terms []term, slugs *slugCache) []category {
	n := len(p.Categories)
	if n == 0 {
		return nil
	}
	if len(terms) >= n {
		same := true
		for i, c := range p.Categories {
			same = same && terms[i].tax == taxCategories && terms[i].name == c
		}
		if same {
			return terms[:n:n] // full: an append never writes into terms
		}
	}
	out := make([]category, n)
	for i, c := range p.Categories {
		out[i] = category{tax: taxCategories, name: c, slug: slugs.slug(c)}
	}
	return out
}

// A slugCache remembers the slugs of names for the items of one build: a
// folder's posts name few categories and authors, each many times. It is
// safe for concurrent use; nil remembers nothing.
type slugCache struct{ m sync.Map }

func (c *slugCache) slug(name string) string {
	if c == nil {
		return Slug(name)
	}
	if s, ok := c.m.Load(name); ok {
		return s.(string)
	}
	s := Slug(name)
	c.m.Store(name, s)
	return s
}

// prepare returns the item's content (sanitised, with absolute URLs) and
// summary: the kept ones, or made now from the body, and kept when keep is
// set.
func (c *renderer) prepare(it *item, keep bool) *prepared {
	if pr := it.prep.Load(); pr != nil {
		return pr.whole()
	}
	if keep {
		it.prepMu.Lock()
		defer it.prepMu.Unlock()
		if pr := it.prep.Load(); pr != nil {
			return pr
		}
	}
	// A post that cannot be read again (its file broken, or changed
	// since the scan) is shown with what the scan kept and the content
	// the Memory kept of it, or none until the next rebuild reads the new
	// file.
	var pr *prepared
	it.post.WithFull(func(p *loader.Post, err error) {
		if err != nil {
			p = it.post
		}
		pr = c.prepared(it, p, err)
	})
	if keep {
		pr.web = pr.makeURLs() // for the feeds that hold it
		it.prep.Store(pr)
	}
	return pr
}

// prepared is prepare's work on p, the item's post read whole (its Body
// maybe lent by WithFull: what is kept of it goes through Keep), or when
// that failed with err, the item's post as the scan gave it.
func (c *renderer) prepared(it *item, p *loader.Post, err error) *prepared {
	pr := c.details(p, it.slug)
	fast := false // content made by sanitizeFast, and XML-clean as it came
	body, berr := p.LoadBody()
	if err != nil || berr != nil {
		var kept bool
		pr.content, kept = c.remembered(it)
		pr.lost = !kept
	} else {
		// Sanitising decodes character references: &#1; would come out
		// as a raw control character, which XML (and CDATA) cannot
		// carry. The encoders rely on content being XML-clean from here.
		abs, san, ok := c.absolutizeSanitize(body, pr.link)
		fast = ok
		if pr.content = san; !ok || abs != body { // (abs == body compares pointers first: cheap)
			pr.content = xmlText(san)
		} // else body as the loader gave it, XML-clean (loader.Post), with escapes of ASCII added: as clean
		fast = fast && pr.content == san
		pr.content = p.Keep(pr.content)
	}
	if p.Summary != "" {
		pr.summary = plainText(p.Summary, 4*c.Summary)
	}
	switch {
	case pr.summary != "":
	case fast: // none given, or one of markup alone
		pr.summary = plainTextFast(pr.content, c.Summary)
	default:
		pr.summary = plainText(pr.content, c.Summary)
	}
	if p != it.post {
		p.Body = "" // read again for this: what is kept needs no body
	}
	return pr
}

// absolutizeSanitize is body with its relative URLs resolved against link
// (absolutize), and that sanitised; ok tells that sanitizeFast did it. A
// body that sanitizeFast takes as it is has no URL but the absolute one of
// a plain link, in no element whose text a tokenizer reads raw: absolutize
// would give it back unchanged, so it is not tokenized for nothing.
func (c *renderer) absolutizeSanitize(body, link string) (abs, san string, ok bool) {
	if san, ok = sanitizeFast(body); ok {
		return body, san, true
	}
	linkURL, _ := url.Parse(link)
	if abs = absolutize(body, linkURL); abs != body {
		san, ok = sanitizeFast(abs)
	}
	if !ok {
		san = c.sanitizeSlow(abs)
	}
	return abs, san, ok
}

// sanitize is c.policy.Sanitize(s): sanitizeFast's where it can, else
// written into a buffer of the size of s (sanitising takes away, so the
// result is made whole, not grown).
func (c *renderer) sanitize(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	if out, ok := sanitizeFast(s); ok {
		return out
	}
	return c.sanitizeSlow(s)
}

// sanitizeSlow is c.policy.Sanitize(s), written into a buffer of the size
// of s.
func (c *renderer) sanitizeSlow(s string) string {
	if strings.TrimSpace(s) == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	if c.policy.SanitizeReaderToWriter(strings.NewReader(s), &b) != nil {
		return "" // as Sanitize
	}
	return b.String()
}

// release drops what the item keeps for feeds: its content, encodings and
// page. A Site being served may still hold the item; it makes each again
// when asked for.
func (it *item) release() {
	it.prep.Store(nil)
	it.page.Store(nil)
	it.mu.Lock()
	it.enc = nil
	it.mu.Unlock()
}

// encoding is the item's encoding in format f, nil if none is kept. The
// caller holds mu.
func (it *item) encoding(f int) []byte {
	if it.enc == nil {
		return nil
	}
	return it.enc[f]
}

// setEncoding keeps b as the item's encoding in format f. The caller holds
// mu.
func (it *item) setEncoding(f int, b []byte) {
	if it.enc == nil {
		it.enc = new([nFormats][]byte)
	}
	it.enc[f] = b
}

// details fills what a post's page and feeds show but its content.
func (c *renderer) details(p *loader.Post, slug string) *prepared {
	link := c.postLink(p, slug)
	pr := &prepared{post: p, link: link, id: link, author: p.Author}
	if p.Link == "" {
		pr.id = uuid5(c.URL + "#" + p.Path)
	}
	if p.Image != "" {
		linkURL, _ := url.Parse(link)
		if u, ok := resolveURL(linkURL, p.Image); ok {
			pr.image = u
		} else if isWebURL(p.Image) {
			pr.image = p.Image
		}
		pr.imageType = imageType(pr.image)
	}
	if pr.author.Name == "" {
		pr.author.Name = c.Author
	}
	if !strings.Contains(pr.author.Email, "@") {
		pr.author.Email = ""
	}
	if !isWebURL(pr.author.URL) {
		pr.author.URL = ""
	}
	return pr
}

// postLink is the post's own link made absolute, or its page on this site.
func (c *renderer) postLink(p *loader.Post, slug string) string {
	if p.Link != "" {
		if base, err := url.Parse(c.URL); err == nil {
			if u, err := url.Parse(p.Link); err == nil {
				if abs := base.ResolveReference(u); isHTTP(abs) {
					return abs.String()
				}
			}
		}
	}
	return c.abs("posts/" + slug + "/")
}

// isWebURL reports whether s is an absolute http(s) URL.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && isHTTP(u)
}

// isHTTP reports whether u is an absolute http(s) URL: the one test of
// what a feed may link to.
func isHTTP(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func imageType(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "image/jpeg"
	}
	switch strings.ToLower(path.Ext(p.Path)) {
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".svg":
		return "image/svg+xml"
	case ".avif":
		return "image/avif"
	}
	return "image/jpeg"
}

// uuid5 makes a name-based (SHA-1) UUID in the URL namespace: the same name
// always gives the same id.
func uuid5(name string) string {
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns[:])
	io.WriteString(h, name)
	var sum [sha1.Size]byte
	s := h.Sum(sum[:0])
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	out := []byte("urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
	at := len("urn:uuid:")
	for k, part := range [][]byte{s[0:4], s[4:6], s[6:8], s[8:10], s[10:16]} {
		if k > 0 {
			at++ // the dash
		}
		at += hex.Encode(out[at:], part)
	}
	return string(out)
}
