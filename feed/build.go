package feed

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"feedpub/internal/parallel"
	"feedpub/loader"
)

// Builder builds Sites. It remembers the items and files of its last
// build, so that a rebuild prepares only the posts that changed and keeps
// the bytes (and so the ETag) of every feed whose items did not change. A
// Builder is safe for concurrent use; builds run one at a time.
type Builder struct {
	r    *renderer       // set by NewBuilder, then only read
	lean bool            // see BuildLean; set before the first build
	ctx  context.Context // see BuildLeanContext; nil for none; set before the first build

	mu sync.Mutex // held by a build; guards every field below
	// What the last build made, for the next to keep.
	items        map[*loader.Post]*item
	order        []*item                      // the last build's items, newest first
	pages        pageList                     // the pages of the last build's items
	slugs        *slugTable                   // the slug of each post's page
	termNums     map[termID]int               // the number of each term, for channels
	byNum        []*channel                   // the last build's channels of terms, by number
	lastPosts    []*loader.Post               // the last build's posts, in its order
	lastItems    []*item                      // lastItems[i] is the item of lastPosts[i], if it was due
	lastNow      time.Time                    // the last build's now
	files        map[string]siteFile          // by path: the last Site's paths
	feeds        map[string]*feedState        // by channel dir
	chanPages    map[string]*channelPageState // by channel dir (pages.go)
	indexEntries map[string]indexEntry        // by channel dir (pages.go)
	chanKeys     *sync.Map                    // the last Site's (see Site.Key)
	rows         map[int][]byte               // by taxonomy, -1 for the index: what its page was made from (chanRows)
}

// NewBuilder checks cfg, fills its defaults and returns a Builder for it.
func NewBuilder(cfg Config) (*Builder, error) {
	r, err := newRenderer(cfg)
	if err != nil {
		return nil, err
	}
	return newBuilder(r), nil
}

// newBuilder is a Builder with renderer r that has built nothing yet.
func newBuilder(r *renderer) *Builder {
	return &Builder{r: r, items: map[*loader.Post]*item{}, files: map[string]siteFile{},
		feeds: map[string]*feedState{}, termNums: map[termID]int{}}
}

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

// Build makes the Site for posts as of now. Its cost beyond the posts
// that changed is a pass over the posts with a map look-up each, a pass
// over the items setting their places, and copies of the lists they are
// in: items, their order, slugs, the pages' paths, the channels with their
// keys and the pages listing them are kept from the last build where they
// still hold.
func (b *Builder) Build(posts []*loader.Post, now time.Time) (*Site, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	pl := b.place(posts, now)
	fresh := b.makeItems(posts, pl)
	gone := b.forget(pl)
	b.lastPosts, b.lastItems, b.lastNow = slices.Clone(posts), pl.items, now
	items := b.sortItems(fresh, gone)
	chans := b.channels(items, fresh, gone)
	removals := b.tombstones(chans, now)
	site := &Site{paths: map[string]siteFile{}, NextDue: pl.next, Posts: len(items), r: b.r, channels: chans,
		lean: b.lean, pages: b.pages, removals: removals, chanKeys: b.keptChanKeys(chans)}
	if b.lean {
		if err := b.prepareLean(site); err != nil {
			return nil, err
		}
	} else if err := b.encodeFeeds(site); err != nil {
		return nil, err
	}
	if err := b.renderPages(site); err != nil {
		return nil, err
	}
	b.r.addArchives(site)
	b.files = site.paths
	return site, nil
}

// placement is where the posts of a build stand against the last build's.
type placement struct {
	slugs *slugTable // the slug of each post's page
	// inPlace: the list is the last build's but for some places, the
	// slugs are the same and time did not go back, so a post at the same
	// place as before has the same item.
	inPlace bool
	items   []*item   // the item of each due post, by place; nil for the others
	todo    []int     // places of due posts without an item yet
	moved   []int     // places of posts not where the last build had them
	next    time.Time // the date of the earliest post not due yet, or zero
}

// place finds, for each post, its item of the last build if it has one,
// and which posts need a new one. A post at the same place in the list as
// in the last build is the same post: its item is found without a look-up.
func (b *Builder) place(posts []*loader.Post, now time.Time) *placement {
	// Where the paths are the same, so are the slugs.
	aligned := len(posts) == len(b.lastPosts)
	samePaths := aligned && b.slugs != nil
	for i := 0; samePaths && i < len(posts); i++ {
		if p, q := posts[i], b.lastPosts[i]; p != q && p.Path != q.Path {
			samePaths = false
		}
	}
	pl := &placement{slugs: b.slugs, items: make([]*item, len(posts))}
	slugsChanged := false
	if !samePaths {
		pl.slugs, slugsChanged = b.postSlugs(posts)
	}
	// The same post at the same place was due and stays due while time
	// goes on: its item is taken without reading the post, as a pass that
	// touches 100,000 posts would cost more than the rebuild. Posts not
	// due are never skipped, so next is still found.
	pl.inPlace = aligned && !slugsChanged && !now.Before(b.lastNow)
	for i, p := range posts {
		if pl.inPlace && b.lastPosts[i] == p && b.lastItems[i] != nil && p.Expires().IsZero() {
			pl.items[i] = b.lastItems[i]
			continue
		}
		pl.moved = append(pl.moved, i)
		switch due := p.DueAt(); {
		case p.Draft:
		case !p.Showing(now) && !due.After(now): // expired
		case due.After(now):
			if pl.next.IsZero() || due.Before(pl.next) {
				pl.next = due
			}
		default:
			if !p.Expires().IsZero() && (pl.next.IsZero() || p.Expires().Before(pl.next)) {
				pl.next = p.Expires() // it leaves the feeds then
			}
			if it := b.items[p]; it != nil && !it.gone && (!slugsChanged || it.slug == pl.slugs.of(i, p.Path)) {
				pl.items[i] = it
			} else {
				pl.todo = append(pl.todo, i)
			}
		}
	}
	return pl
}

// makeItems makes the items of the posts placed without one, on all
// cores, and places them.
func (b *Builder) makeItems(posts []*loader.Post, pl *placement) []*item {
	fresh := make([]*item, len(pl.todo))
	slugs := &slugCache{}
	onCores(len(pl.todo), func(k int) {
		p := posts[pl.todo[k]]
		fresh[k] = newItem(p, pl.slugs.of(pl.todo[k], p.Path), b.r.taxes, slugs)
	})
	for k, it := range fresh {
		b.items[it.post] = it
		pl.items[pl.todo[k]] = it
	}
	return fresh
}

// forget marks gone the last build's items not placed in this one, and
// returns them: where the lists are aligned, only those at the places that
// changed are looked at.
func (b *Builder) forget(pl *placement) []*item {
	var gone []*item
	if pl.inPlace {
		stay := map[*item]bool{}
		for _, i := range pl.moved {
			if pl.items[i] != nil {
				stay[pl.items[i]] = true
			}
		}
		for _, i := range pl.moved {
			if it := b.lastItems[i]; it != nil && !stay[it] {
				gone = append(gone, it)
			}
		}
	} else {
		stay := make(map[*item]bool, len(pl.items))
		for _, it := range pl.items {
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
	return gone
}

// sortItems returns the items newest first (the last order without the items
// that went, merged with the new items sorted), and keeps the pages of
// posts in the order of their paths too, made beside on another core.
func (b *Builder) sortItems(fresh, gone []*item) []*item {
	var wg sync.WaitGroup
	if len(fresh) > 0 || len(gone) > 0 {
		fresh := slices.Clone(fresh)
		wg.Go(func() { b.pages = b.pages.without(gone).merge(pagesOf(fresh)) })
	}
	slices.SortFunc(fresh, newerFirst)
	items := mergeSorted(without(b.order, gone, newerFirst), fresh)
	b.order = items
	for i, it := range items { // see Site.neighbours
		it.at.Store(int32(i))
	}
	wg.Wait()
	return items
}

// onCores calls fn(0..n-1) on GOMAXPROCS goroutines (parallel.For).
func onCores(n int, fn func(i int)) {
	parallel.For(runtime.GOMAXPROCS(0), n, func(i int) bool { fn(i); return true })
}
