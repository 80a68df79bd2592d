package feed

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"net/url"
	"path"
	"runtime"
	"slices"
	"sort"
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
	post       *loader.Post // as the loader keeps it: maybe slim (see loader.Post.Full)
	slug       string       // of the post's page, /posts/<slug>/
	categories []category
	enc        [nFormats][]byte // guarded by mu

	// prep and page are kept while the item is among a feed's newest
	// Limit (release drops them): the other posts of a large folder cost
	// their metadata only, and their pages are made when asked for.
	prep   atomic.Pointer[prepared]
	page   atomic.Pointer[postFile] // its page for people (pages.go)
	prepMu sync.Mutex               // one making of prep at a time

	mu    sync.Mutex // guards enc while feeds are encoded in parallel
	gone  bool       // left the Builder: its post changed, went or is no longer due
	feeds int        // feeds whose newest Limit hold it, in the last build

	catNums []int // Builder.catNums of its categories, made by channels
}

type category struct{ name, slug string }

// prepared is what an item's page and feeds show, made from the whole
// post: its body sanitised, and its links made absolute.
type prepared struct {
	post      *loader.Post // whole, even when the item's is slim
	id        string       // stable: from the post's link, else from its path
	link      string
	image     string // absolute URL, or ""
	imageType string
	author    loader.Author
	content   string // sanitised HTML with absolute URLs
	summary   string // plain text
	packed    []byte // content compressed, in place of content (prepareLean)
}

// unpacked is pr with its content unpacked.
func (pr *prepared) unpacked() *prepared {
	cp := *pr
	cp.packed = nil
	src := bytes.NewReader(pr.packed)
	r, _ := inflaters.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReader(src)
	} else {
		r.(flate.Resetter).Reset(src, nil)
	}
	var b strings.Builder
	b.Grow(3 * len(pr.packed))
	if _, err := io.Copy(&b, r); err == nil {
		cp.content = b.String()
	}
	inflaters.Put(r)
	return &cp
}

// Compressors are large: one per goroutine at a time, reused.
var (
	inflaters sync.Pool // io.ReadCloser from flate.NewReader
	deflaters sync.Pool // *flate.Writer
)

// A channel is one feed: all posts, or one category.
type channel struct {
	name        string // category name; "" for all posts
	slug        string
	dir         string // "" or "categories/<slug>/"
	title       string
	description string
	items       []*item // newest first, all of them; feeds hold the first Limit
	updated     time.Time
}

// Builder builds Sites. It remembers the items and files of its last
// build, so that a rebuild prepares only the posts that changed and keeps
// the bytes (and so the ETag) of every feed whose items did not change. A
// Builder is safe for concurrent use; builds run one at a time.
type Builder struct {
	cfg  Config
	lean bool            // see BuildLean
	ctx  context.Context // see BuildLeanContext; nil for none

	postFrame *frame // of every post's page

	mu           sync.Mutex
	items        map[*loader.Post]*item
	order        []*item // the last build's items, newest first
	bySlug       []*item // the last build's items, by slug
	slugs        map[string]string
	slugPaths    []string                     // sorted, that slugs were made for
	catNums      map[string]int               // category slug -> its number, for channels
	byNum        []*channel                   // the last build's category channels, by number
	lastPosts    []*loader.Post               // the last build's posts, in its order
	lastItems    []*item                      // lastItems[i] is the item of lastPosts[i], if it was due
	lastNow      time.Time                    // the last build's now
	files        map[string]*File             // by path
	feeds        map[string]*feedState        // by channel dir
	chanPages    map[string]*channelPageState // by channel dir (pages.go)
	indexEntries map[string]indexEntry        // by channel dir (pages.go)
}

// feedState is what a channel's feeds were made from, so that a rebuild
// can keep them without encoding anything when it is the same.
type feedState struct {
	name, title, description string
	updated                  time.Time
	items                    []*item // the newest Limit
	files                    [nFormats]*File
}

func (st *feedState) same(ch *channel, items []*item) bool {
	return st.name == ch.name && st.title == ch.title && st.description == ch.description &&
		st.updated.Equal(ch.updated) && slices.Equal(st.items, items)
}

// NewBuilder checks cfg, fills its defaults and returns a Builder for it.
func NewBuilder(cfg Config) (*Builder, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	fr, err := cfg.postFrame()
	if err != nil {
		return nil, fmt.Errorf("feed: pages of posts: %w", err)
	}
	return &Builder{cfg: cfg, postFrame: fr, items: map[*loader.Post]*item{}, files: map[string]*File{},
		feeds: map[string]*feedState{}, catNums: map[string]int{}}, nil
}

// Config returns the configuration in use, defaults filled.
func (b *Builder) Config() Config { return b.cfg }

// Build is a pure function of its arguments: the same posts, config and
// due posts give the same bytes. now only decides which posts are due
// (drafts and posts dated after now are left out); it never appears in
// the output.
func Build(posts []*loader.Post, cfg Config, now time.Time) (*Site, error) {
	b, err := NewBuilder(cfg)
	if err != nil {
		return nil, err
	}
	return b.Build(posts, now)
}

// BuildLean is Build for a Site that is written once (WriteDir) and then
// dropped: its feeds and pages are made as they are written, and only the
// content of the posts in feeds is kept meanwhile, so the memory it takes
// does not grow with the feeds' bytes. Its File makes each file anew.
func BuildLean(posts []*loader.Post, cfg Config, now time.Time) (*Site, error) {
	b, err := NewBuilder(cfg)
	if err != nil {
		return nil, err
	}
	b.lean = true
	return b.Build(posts, now)
}

// BuildLeanContext is BuildLean that stops between two posts once ctx is
// done, with ctx's error.
func BuildLeanContext(ctx context.Context, posts []*loader.Post, cfg Config, now time.Time) (*Site, error) {
	b, err := NewBuilder(cfg)
	if err != nil {
		return nil, err
	}
	b.lean, b.ctx = true, ctx
	return b.Build(posts, now)
}

// newerFirst orders items by date, newest first, then by path.
func newerFirst(a, b *item) int {
	if c := b.post.Date.Compare(a.post.Date); c != 0 {
		return c
	}
	return strings.Compare(a.post.Path, b.post.Path)
}

// mergeSorted merges two lists sorted by newerFirst.
func mergeSorted(a, b []*item) []*item { return mergeFunc(a, b, newerFirst) }

// mergeFunc merges two lists sorted by cmp into a new one.
func mergeFunc(a, b []*item, cmp func(a, b *item) int) []*item {
	if len(b) == 0 {
		return a
	}
	out := make([]*item, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if cmp(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// without returns list (sorted by cmp, in which no two items compare
// equal) less the items of drop, as a new slice; list itself when drop
// has none of them. Each is found by binary search, so the cost is a copy
// of the list, not a look at each of its items.
func without(list, drop []*item, cmp func(a, b *item) int) []*item {
	var at []int
	for _, it := range drop {
		if i, ok := slices.BinarySearchFunc(list, it, cmp); ok && list[i] == it {
			at = append(at, i)
		}
	}
	if len(at) == 0 {
		return list
	}
	slices.Sort(at)
	out := make([]*item, 0, len(list)-len(at))
	prev := 0
	for _, i := range at {
		out = append(out, list[prev:i]...)
		prev = i + 1
	}
	return append(out, list[prev:]...)
}

// Build makes the Site for posts as of now. Its cost beyond the posts
// that changed is a pass over the posts with a map look-up each: items,
// their order and slugs are kept from the last build where they still hold.
func (b *Builder) Build(posts []*loader.Post, now time.Time) (*Site, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	// A post at the same place in the list as in the last build is the
	// same post: its item is found without a look-up. Where the paths are
	// the same, so are the slugs.
	aligned := len(posts) == len(b.lastPosts)
	samePaths := aligned && b.slugs != nil
	for i := 0; samePaths && i < len(posts); i++ {
		if p, q := posts[i], b.lastPosts[i]; p != q && p.Path != q.Path {
			samePaths = false
		}
	}
	slugs, slugsChanged := b.slugs, false
	if !samePaths {
		slugs, slugsChanged = b.postSlugs(posts)
	}
	// The same post at the same place was due and stays due while time
	// goes on: its item is taken without reading the post, as a pass that
	// touches 100,000 posts would cost more than the rebuild. Posts not
	// due are never skipped, so next is still found.
	inPlace := aligned && !slugsChanged && !now.Before(b.lastNow)
	var next time.Time
	placed := make([]*item, len(posts)) // the item of each due post
	var todo []int                      // places of due posts without an item yet
	var moved []int                     // places of posts not where the last build had them
	for i, p := range posts {
		if inPlace && b.lastPosts[i] == p && b.lastItems[i] != nil && p.Expires.IsZero() {
			placed[i] = b.lastItems[i]
			continue
		}
		moved = append(moved, i)
		switch due := p.DueAt(); {
		case p.Draft:
		case !p.Showing(now) && !due.After(now): // expired
		case due.After(now):
			if next.IsZero() || due.Before(next) {
				next = due
			}
		default:
			if !p.Expires.IsZero() && (next.IsZero() || p.Expires.Before(next)) {
				next = p.Expires // it leaves the feeds then
			}
			if it := b.items[p]; it != nil && !it.gone && (!slugsChanged || it.slug == slugs[p.Path]) {
				placed[i] = it
			} else {
				todo = append(todo, i)
			}
		}
	}
	fresh := make([]*item, len(todo))
	parallel(len(todo), func(k int) { p := posts[todo[k]]; fresh[k] = b.item(p, slugs[p.Path]) })
	for k, it := range fresh {
		b.items[it.post] = it
		placed[todo[k]] = it
	}
	// Gone are the last build's items not placed in this one: where the
	// lists are aligned, only those at the places that changed.
	var gone []*item
	if inPlace {
		stay := map[*item]bool{}
		for _, i := range moved {
			if placed[i] != nil {
				stay[placed[i]] = true
			}
		}
		for _, i := range moved {
			if it := b.lastItems[i]; it != nil && !stay[it] {
				gone = append(gone, it)
			}
		}
	} else {
		stay := make(map[*item]bool, len(placed))
		for _, it := range placed {
			if it != nil {
				stay[it] = true
			}
		}
		for _, it := range b.order {
			if !stay[it] {
				gone = append(gone, it)
			}
		}
	}
	for _, it := range gone {
		it.gone = true
		if b.items[it.post] == it { // its post went, or is no longer due
			delete(b.items, it.post)
		}
	}
	b.lastPosts, b.lastItems, b.lastNow = slices.Clone(posts), placed, now
	// Newest first: the last order without the items that went, merged
	// with the new items sorted.
	slices.SortFunc(fresh, newerFirst)
	items := mergeSorted(without(b.order, gone, newerFirst), fresh)
	b.order = items

	chans := b.channels(items, fresh, gone)
	if len(fresh) > 0 || len(gone) > 0 {
		bySlug := func(a, b *item) int { return strings.Compare(a.slug, b.slug) }
		b.bySlug = mergeFunc(without(b.bySlug, gone, bySlug), slices.SortedFunc(slices.Values(fresh), bySlug), bySlug)
	}
	site := &Site{Files: map[string]*File{}, NextDue: next, Posts: len(items), cfg: b.cfg, channels: chans, lean: b.lean,
		posts: b.bySlug, postFrame: b.postFrame}
	if b.lean {
		// The content of the posts in feeds is made here on all cores
		// and kept compressed for their feeds and pages: a third of the
		// memory for a few percent more time.
		var tops []*item
		seen := map[*item]bool{}
		for _, ch := range chans {
			for _, it := range ch.items[:min(b.cfg.Limit, len(ch.items))] {
				if !seen[it] {
					seen[it] = true
					tops = append(tops, it)
				}
			}
		}
		parallel(len(tops), func(i int) {
			if b.ctx == nil || b.ctx.Err() == nil {
				b.cfg.prepareLean(tops[i])
			}
		})
		if b.ctx != nil && b.ctx.Err() != nil {
			return nil, fmt.Errorf("feed: %w", b.ctx.Err())
		}
		site.feeds = map[string]leanFeed{}
		site.encs = &chanEncs{m: map[*channel]*chanEnc{}}
		site.chanPages = map[string]*channel{}
		for _, ch := range chans {
			for f := range formatList {
				site.feeds["/"+ch.dir+formatList[f].file] = leanFeed{ch, f}
			}
		}
	} else if err := b.encodeFeeds(site, chans); err != nil {
		return nil, err
	}
	if err := b.renderPages(site, items); err != nil {
		return nil, err
	}
	b.files = site.Files
	return site, nil
}

// postSlugs gives each post (by path) the slug of its page, from its file
// name. Where two posts' names give one slug, the later path (in path
// order) takes its folder into its slug as well, then a hash:
// deterministic, and unchanged by other posts coming due. The slugs of the
// last build are kept while the list of paths is the same.
func (b *Builder) postSlugs(posts []*loader.Post) (slugs map[string]string, changed bool) {
	if b.slugs != nil && len(posts) == len(b.slugPaths) {
		same := true // posts in the order of the last paths (and so sorted)
		for i, p := range posts {
			if p.Path != b.slugPaths[i] {
				same = false
				break
			}
		}
		if same {
			return b.slugs, false
		}
	}
	paths := make([]string, len(posts))
	for i, p := range posts {
		paths[i] = p.Path
	}
	if !slices.IsSorted(paths) {
		slices.Sort(paths)
	}
	if b.slugs != nil && slices.Equal(paths, b.slugPaths) {
		return b.slugs, false
	}
	out := make(map[string]string, len(paths))
	taken := make(map[string]bool, len(paths))
	for _, p := range paths {
		name := strings.TrimSuffix(p, path.Ext(p))
		s := Slug(path.Base(name))
		if taken[s] {
			s = Slug(strings.ReplaceAll(name, "/", "-"))
		}
		if taken[s] {
			s = Slug(name + "-" + hash8(p))
		}
		taken[s] = true
		out[p] = s
	}
	b.slugs, b.slugPaths = out, paths
	return out, true
}

// item makes the item of a post. What it costs to show the post waits
// until a page or a feed needs it (prepare): most posts of a large folder
// are in no feed's newest Limit.
func (b *Builder) item(p *loader.Post, slug string) *item {
	it := &item{post: p, slug: slug}
	for _, c := range p.Categories {
		it.categories = append(it.categories, category{name: c, slug: Slug(c)})
	}
	return it
}

// prepare returns the item's content (sanitised, with absolute URLs) and
// summary: the kept ones, or made now from the body, and kept when keep is
// set.
func (c *Config) prepare(it *item, keep bool) *prepared {
	if pr := it.prep.Load(); pr != nil && pr.packed != nil {
		return pr.unpacked()
	} else if pr != nil {
		return pr
	}
	if keep {
		it.prepMu.Lock()
		defer it.prepMu.Unlock()
		if pr := it.prep.Load(); pr != nil {
			return pr
		}
	}
	// A post that cannot be read again (its file changed since the scan)
	// is shown with what the scan kept and no content until the next
	// rebuild, which reads the new file.
	p, err := it.post.Full()
	if err != nil {
		p = it.post
	}
	pr := c.details(p, it.slug)
	linkURL, _ := url.Parse(pr.link)
	body, _ := p.LoadBody()
	// Sanitising decodes character references: &#1; would come out as a
	// raw control character, which XML (and CDATA) cannot carry. The
	// encoders rely on content being XML-clean from here.
	pr.content = xmlText(Policy.Sanitize(absolutize(body, linkURL)))
	if p.Summary != "" {
		pr.summary = plainText(p.Summary, 4*c.Summary)
	}
	if pr.summary == "" { // none given, or one of markup alone
		pr.summary = plainText(pr.content, c.Summary)
	}
	if p != it.post {
		p.Body = "" // read again for this: what is kept needs no body
	}
	if keep {
		it.prep.Store(pr)
	}
	return pr
}

// prepareLean keeps the item's content compressed, with the rest of what
// prepare makes.
func (c *Config) prepareLean(it *item) {
	if it.prep.Load() != nil {
		return
	}
	lean := *c.prepare(it, false)
	var b bytes.Buffer
	w, _ := deflaters.Get().(*flate.Writer)
	if w == nil {
		w, _ = flate.NewWriter(&b, flate.BestSpeed)
	} else {
		w.Reset(&b)
	}
	io.WriteString(w, lean.content)
	if w.Close() == nil { // else keep it as it is
		lean.packed, lean.content = bytes.Clone(b.Bytes()), ""
	}
	deflaters.Put(w)
	it.prep.Store(&lean)
}

// release drops what the item keeps for feeds: its content, encodings and
// page. A Site being served may still read them; each is made again when
// asked for.
func (it *item) release() {
	it.prep.Store(nil)
	it.page.Store(nil)
	it.mu.Lock()
	it.enc = [nFormats][]byte{}
	it.mu.Unlock()
}

// details fills what a post's page and feeds show but its content.
func (c *Config) details(p *loader.Post, slug string) *prepared {
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
func (c *Config) postLink(p *loader.Post, slug string) string {
	if p.Link != "" {
		if base, err := url.Parse(c.URL); err == nil {
			if u, err := url.Parse(p.Link); err == nil {
				if abs := base.ResolveReference(u); abs.Scheme == "http" || abs.Scheme == "https" {
					return abs.String()
				}
			}
		}
	}
	return c.abs("posts/" + slug + "/")
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
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
	h.Write([]byte(name))
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// channels groups items into the all-posts feed and one feed per category
// slug, in a fixed order: all posts first, then categories by slug. A
// category that no fresh or gone item belongs to keeps its channel from
// the last build: its items and their order are the same.
func (b *Builder) channels(items, fresh, gone []*item) []*channel {
	all := &channel{title: b.cfg.Title, description: b.cfg.Description, items: items}
	all.updated = newest(items, b.cfg.Limit)
	if b.byNum == nil {
		b.byNum = b.group(items)
	} else if len(fresh) > 0 || len(gone) > 0 {
		b.byNum = b.regroup(fresh, gone)
	}
	out := []*channel{all}
	for _, ch := range b.byNum {
		if ch != nil {
			out = append(out, ch)
		}
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].slug < out[1+j].slug })
	return out
}

// catNumsOf gives each category slug a number that lasts from build to
// build, and each item the numbers of its categories: grouping then needs
// no map look-up per item.
func (b *Builder) catNumsOf(it *item) []int {
	if it.catNums == nil && len(it.categories) > 0 {
		it.catNums = make([]int, len(it.categories))
		for k, c := range it.categories {
			n, ok := b.catNums[c.slug]
			if !ok {
				n = len(b.catNums)
				b.catNums[c.slug] = n
			}
			it.catNums[k] = n
		}
	}
	return it.catNums
}

// group makes every category's channel from items, newest first.
func (b *Builder) group(items []*item) []*channel {
	var byNum []*channel
	for _, it := range items {
		for k, n := range b.catNumsOf(it) {
			if n >= len(byNum) {
				byNum = append(byNum, make([]*channel, n+1-len(byNum))...)
			}
			ch := byNum[n]
			if ch == nil {
				c := it.categories[k]
				ch = &channel{slug: c.slug, dir: "categories/" + c.slug + "/"}
				byNum[n] = ch
			}
			if m := len(ch.items); m == 0 || ch.items[m-1] != it {
				ch.items = append(ch.items, it)
			}
		}
	}
	for n, ch := range byNum {
		if ch != nil {
			b.finish(ch, n)
		}
	}
	return byNum
}

// regroup makes anew the channels of the categories of fresh and gone
// items, from the last build's: the gone items out, the fresh ones merged
// in. The others are kept as they are (a Site never changes them).
func (b *Builder) regroup(fresh, gone []*item) []*channel {
	touched := map[int]bool{}
	for _, it := range gone {
		for _, n := range b.catNumsOf(it) {
			touched[n] = true
		}
	}
	for _, it := range fresh {
		for _, n := range b.catNumsOf(it) {
			touched[n] = true
		}
	}
	byNum := slices.Clone(b.byNum)
	for n := range touched {
		if n >= len(byNum) {
			byNum = append(byNum, make([]*channel, n+1-len(byNum))...)
		}
		var list []*item
		var slug string
		if old := byNum[n]; old != nil {
			slug = old.slug
			list = make([]*item, 0, len(old.items)+len(fresh))
			for _, it := range old.items {
				if !it.gone {
					list = append(list, it)
				}
			}
		}
		var add []*item // fresh is sorted, so add is
		for _, it := range fresh {
			if k := slices.Index(it.catNums, n); k >= 0 {
				add = append(add, it)
				slug = it.categories[k].slug
			}
		}
		list = mergeSorted(list, add)
		if len(list) == 0 {
			byNum[n] = nil
			continue
		}
		ch := &channel{slug: slug, dir: "categories/" + slug + "/", items: list}
		b.finish(ch, n)
		byNum[n] = ch
	}
	return byNum
}

// finish names channel number n after the smallest of the names its items
// give its slug, and dates it.
func (b *Builder) finish(ch *channel, n int) {
	ch.name = ""
	for _, it := range ch.items {
		for k, m := range it.catNums {
			if m == n && (ch.name == "" || it.categories[k].name < ch.name) {
				ch.name = it.categories[k].name
			}
		}
	}
	ch.title = b.cfg.Title + " · " + ch.name
	ch.description = fmt.Sprintf("%s: %s", b.cfg.Description, ch.name)
	ch.updated = newest(ch.items, b.cfg.Limit)
}

// newest is the latest update among the first n items: a feed's updated
// date, never the build time.
func newest(items []*item, n int) time.Time {
	var t time.Time
	for _, it := range items[:min(n, len(items))] {
		if it.post.Updated.After(t) {
			t = it.post.Updated
		}
	}
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t
}

// encodeFeeds writes every channel in every format into site. A channel
// whose newest items (and title) are those of the last build keeps its
// files without encoding anything; items are encoded once each; a feed
// whose bytes are those of the last build keeps the last build's File
// (and ETag).
func (b *Builder) encodeFeeds(site *Site, chans []*channel) error {
	feeds := make(map[string]*feedState, len(chans))
	var stale []*channel
	for _, ch := range chans {
		top := ch.items[:min(b.cfg.Limit, len(ch.items))]
		if st := b.feeds[ch.dir]; st != nil && st.same(ch, top) {
			feeds[ch.dir] = st
			continue
		}
		feeds[ch.dir] = &feedState{name: ch.name, title: ch.title, description: ch.description,
			updated: ch.updated, items: slices.Clone(top)}
		stale = append(stale, ch)
	}
	type job struct {
		ch *channel
		f  int
	}
	jobs := make([]job, 0, len(stale)*len(formatList))
	for _, ch := range stale {
		for f := range formatList {
			jobs = append(jobs, job{ch, f})
		}
	}
	files := make([]*File, len(jobs))
	offs := make([][]int, len(jobs))
	errs := make([]error, len(jobs))
	parallel(len(jobs), func(i int) {
		files[i], offs[i], errs[i] = b.encodeFeed(jobs[i].ch, jobs[i].f, feeds[jobs[i].ch.dir].items)
	})
	for i, j := range jobs {
		p := "/" + j.ch.dir + formatList[j.f].file
		if errs[i] != nil {
			return fmt.Errorf("feed: %s: %w", p, errs[i])
		}
		if old := b.files[p]; old != nil && old.ETag == files[i].ETag {
			files[i] = old
		}
		feeds[j.ch.dir].files[j.f] = files[i]
		// Each item's encoding becomes a window on the bytes of a feed
		// that holds it: one copy of it in memory, not two. The feed kept
		// has the same bytes as the one just made, so the offsets hold.
		if offs[i] != nil {
			body := files[i].Body
			for k, it := range feeds[j.ch.dir].items {
				end := offs[i][k] + len(it.enc[j.f])
				it.enc[j.f] = body[offs[i][k]:end:end]
			}
		}
	}
	for _, ch := range chans {
		for f := range formatList {
			site.Files["/"+ch.dir+formatList[f].file] = feeds[ch.dir].files[f]
		}
	}
	// An item kept by no feed any more drops its content and encodings,
	// which would otherwise hold a whole old feed's bytes.
	for _, ch := range stale {
		for _, it := range feeds[ch.dir].items {
			it.feeds++
		}
	}
	for dir, st := range b.feeds {
		if feeds[dir] == st {
			continue
		}
		for _, it := range st.items {
			if it.feeds--; it.feeds == 0 {
				it.release()
			}
		}
	}
	b.feeds = feeds
	return nil
}

// leanFeed is a feed of a lean Site, made when written.
type leanFeed struct {
	ch *channel
	f  int
}

// chanEnc is the feeds of a channel of a lean Site in every format, made
// together and dropped once all are taken.
type chanEnc struct {
	once   sync.Once
	bodies [nFormats][]byte
	err    error
	left   int // formats not taken yet; guarded by chanEncs.mu
}

type chanEncs struct {
	mu sync.Mutex
	m  map[*channel]*chanEnc
}

// leanFeedBody is the feed lf of a lean Site: made with the channel's
// other formats, which wait for their turn to be written.
func (s *Site) leanFeedBody(lf leanFeed) ([]byte, error) {
	encs := s.encs
	encs.mu.Lock()
	e := encs.m[lf.ch]
	if e == nil {
		e = &chanEnc{left: nFormats}
		encs.m[lf.ch] = e
	}
	encs.mu.Unlock()
	e.once.Do(func() { e.bodies, e.err = s.cfg.encodeLean(lf.ch) })
	encs.mu.Lock()
	defer encs.mu.Unlock()
	body := e.bodies[lf.f]
	e.bodies[lf.f] = nil
	if e.left--; e.left <= 0 {
		delete(encs.m, lf.ch)
	}
	return body, e.err
}

// encodeLean encodes the feeds of ch in every format, keeping no
// encoding: each item's content is unpacked once for all formats.
func (c *Config) encodeLean(ch *channel) ([nFormats][]byte, error) {
	var out [nFormats][]byte
	items := ch.items[:min(c.Limit, len(ch.items))]
	parts := make([][nFormats][]byte, len(items))
	for i, it := range items {
		pr := c.prepare(it, false)
		for f := range formatList {
			enc, err := formatList[f].item(c, it, pr)
			if err != nil {
				return out, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			parts[i][f] = enc
		}
	}
	for f := range formatList {
		fp := make([][]byte, len(items))
		for i := range parts {
			fp[i] = parts[i][f]
		}
		body, _, err := spliceFeed(c, ch, f, fp)
		if err != nil {
			return out, err
		}
		out[f] = body
	}
	return out, nil
}

// encodeFeed encodes items as one feed of format f, encoding each item
// that has no encoding in f yet, and returns where each item's bytes start
// in the feed (nil if they cannot be told).
func (b *Builder) encodeFeed(ch *channel, f int, items []*item) (*File, []int, error) {
	parts := make([][]byte, len(items))
	for i, it := range items {
		it.mu.Lock() // another feed may be encoding it
		if it.enc[f] == nil {
			enc, err := formatList[f].item(&b.cfg, it, b.cfg.prepare(it, true))
			if err != nil {
				it.mu.Unlock()
				return nil, nil, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			it.enc[f] = enc
		}
		parts[i] = it.enc[f]
		it.mu.Unlock()
	}
	body, offs, err := spliceFeed(&b.cfg, ch, f, parts)
	if err != nil {
		return nil, nil, err
	}
	return newFile(body, formatList[f].mediaType, newest(items, len(items))), offs, nil
}

// Two markers, which no encoder changes, stand for the items in a first
// encoding of a feed: what comes before the first, between the two and
// after the second is the feed's head, separator and tail.
var spliceMarks = [2][]byte{[]byte("\x00feedpub-item-1\x00"), []byte("\x00feedpub-item-2\x00")}

// spliceFeed encodes a feed around two markers, then writes head, items and
// tail into one buffer of the exact size: a feed of hundreds of kilobytes
// is copied once, not grown and copied again by each encoder. A format that
// does not keep the markers intact is encoded with its items directly.
func spliceFeed(c *Config, ch *channel, f int, parts [][]byte) (body []byte, offsets []int, err error) {
	format := &formatList[f]
	self := c.feedURL(ch, format)
	frame, err := format.feed(c, ch, self, spliceMarks[:])
	if err != nil {
		return nil, nil, err
	}
	i := bytes.Index(frame, spliceMarks[0])
	j := bytes.Index(frame, spliceMarks[1])
	if i < 0 || j < i+len(spliceMarks[0]) || len(parts) == 0 {
		body, err := format.feed(c, ch, self, parts)
		return body, nil, err
	}
	head, sep, tail := frame[:i], frame[i+len(spliceMarks[0]):j], frame[j+len(spliceMarks[1]):]
	n := len(head) + len(tail) + len(sep)*(len(parts)-1)
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	out = append(out, head...)
	offsets = make([]int, len(parts))
	for k, p := range parts {
		if k > 0 {
			out = append(out, sep...)
		}
		offsets[k] = len(out)
		out = append(out, p...)
	}
	return append(out, tail...), offsets, nil
}

// parallel calls fn(0..n-1) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= n {
					return
				}
				fn(j)
			}
		}()
	}
	wg.Wait()
}
