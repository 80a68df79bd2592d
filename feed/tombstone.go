package feed

import (
	"cmp"
	"path"
	"slices"
	"strings"
	"time"

	"feedpub/loader"
)

// Tombstones (RFC 6721): a post removed from the feeds (its file deleted,
// or marked draft) is an at:deleted-entry in each Atom feed that held it,
// for Config.Tombstones after its removal, so that readers drop it.

// tombstonesNS is the namespace of RFC 6721.
const tombstonesNS = "http://purl.org/atompub/tombstones/1.0"

// DefaultTombstones is how long a removed post's tombstone stays in the
// feeds unless the configuration says.
const DefaultTombstones = 30 * 24 * time.Hour

// A Removal is a post removed from the feeds, as a publisher remembers it
// (Memory.Removed).
type Removal struct {
	Path string
	When time.Time // when it went
	// Ref is the atom:id of its entry, and Feeds the folders of the feeds
	// whose newest Limit held it ("" for all posts, "categories/x/"). A
	// removal new since the last build has neither but its post's last
	// metadata (Post), and the build finds them (Site.Removals).
	Ref   string
	Feeds []string
	Post  *loader.Post
}

// A tombstone is an at:deleted-entry of a feed.
type tombstone struct {
	ref  string
	when time.Time
}

// atomDeleted is a tombstone as Atom carries it.
type atomDeleted struct {
	Ref  string `xml:"ref,attr"`
	When string `xml:"when,attr"`
}

// Removals returns the removals whose tombstones the Site's feeds may
// carry (not expired), with their entries' ids and feeds: what a publisher
// keeps for the next build (Memory.Removed). ok is false when the build
// had no Memory to ask: it knew of no removal.
func (s *Site) Removals() (rs []Removal, ok bool) { return s.removals, s.r.Memory != nil }

// tombstones gives the channels of chans the tombstones of the removals
// Memory gives that have not expired at now, and returns those removals,
// found. A channel given tombstones is a copy: the Builder may keep the
// one it had for later builds.
func (b *Builder) tombstones(chans []*channel, now time.Time) []Removal {
	c := b.r
	if c.Tombstones < 0 || c.Memory == nil { // none
		return nil
	}
	rs := c.Memory.Removed()
	slices.SortFunc(rs, func(a, b Removal) int { return strings.Compare(a.Path, b.Path) })
	byDir := make(map[string]int, len(chans))
	for i, ch := range chans {
		byDir[ch.dir] = i
	}
	var fresh []*loader.Post // removed since the last build: the feeds held them with the others
	for _, r := range rs {
		if r.Ref == "" && r.Post != nil {
			fresh = append(fresh, r.Post)
		}
	}
	var kept []Removal
	gone := map[string][]tombstone{}
	var live map[string]bool // of the refs that are links, those an item has: a post restored elsewhere
	for _, r := range rs {
		if !r.When.Add(c.Tombstones).After(now) {
			continue // expired
		}
		if r.Ref == "" {
			if r.Post == nil {
				continue
			}
			r.Ref, r.Feeds = c.removed(r.Post, fresh, chans, byDir)
		}
		r.Post = nil
		kept = append(kept, r)
	}
	for _, r := range kept {
		if !strings.HasPrefix(r.Ref, "urn:uuid:") { // its id is its link: another post may have it now
			if live == nil {
				live = c.linkIDs(chans[0].items, kept)
			}
			if live[r.Ref] {
				continue
			}
		}
		for _, dir := range r.Feeds {
			gone[dir] = append(gone[dir], tombstone{ref: r.Ref, when: r.When})
		}
	}
	for dir, list := range gone {
		i, ok := byDir[dir]
		if !ok {
			continue // no feed there now
		}
		slices.SortFunc(list, func(a, b tombstone) int {
			return cmp.Or(b.when.Compare(a.when), strings.Compare(a.ref, b.ref))
		})
		cp := *chans[i]
		cp.gone = slices.CompactFunc(list, func(a, b tombstone) bool { return a.ref == b.ref })
		if cp.updated.Before(cp.gone[0].when) { // a removal is news: the feed changed then
			cp.updated = cp.gone[0].when
		}
		chans[i] = &cp
	}
	return kept
}

// removed finds the id of the entry of post p, removed with the posts
// fresh, and the folders of the feeds that held it: those of all posts
// and of its terms whose newest Limit it was among, with the posts still
// there and those removed with it (all of them for a feed it emptied).
func (c *renderer) removed(p *loader.Post, fresh []*loader.Post, chans []*channel, byDir map[string]int) (string, []string) {
	slug := Slug(path.Base(strings.TrimSuffix(p.Path, path.Ext(p.Path))))
	id := c.details(p, slug).id
	probe := &item{post: p}
	var held []string
	for _, dir := range c.feedDirs(p) {
		at := 0
		if i, ok := byDir[dir]; ok {
			at, _ = slices.BinarySearchFunc(chans[i].items, probe, newerFirst)
		}
		for _, q := range fresh {
			if newerFirst(&item{post: q}, probe) < 0 && slices.Contains(c.feedDirs(q), dir) {
				at++
			}
		}
		if at < c.Limit && !slices.Contains(held, dir) {
			held = append(held, dir)
		}
	}
	return id, held
}

// feedDirs is the folders of the feeds post p belongs in.
func (c *renderer) feedDirs(p *loader.Post) []string {
	dirs := []string{""}
	for _, t := range termsOf(p, c.taxes) {
		dirs = append(dirs, t.dir())
	}
	return dirs
}

// linkIDs is the set of the refs of rs that are the ids of items (whose
// posts have links of their own: their ids are those links). Only a link
// written as one of the refs or relative is resolved: a pass over every
// post parses no URL.
func (c *renderer) linkIDs(items []*item, rs []Removal) map[string]bool {
	refs := make(map[string]bool, len(rs))
	for _, r := range rs {
		refs[r.Ref] = true
	}
	out := map[string]bool{}
	for _, it := range items {
		if l := it.post.Link; l != "" && (refs[l] || !strings.Contains(l, "://")) {
			if id := c.postLink(it.post, it.slug); refs[id] {
				out[id] = true
			}
		}
	}
	return out
}

// atomTombstones is the tombstones of ch as Atom carries them.
func atomTombstones(c *Config, ch *channel) (ns string, out []atomDeleted) {
	if len(ch.gone) == 0 || ch.arch > 0 {
		return "", nil
	}
	for _, t := range ch.gone {
		out = append(out, atomDeleted{Ref: t.ref, When: rfc3339(c, t.when)})
	}
	return tombstonesNS, out
}

// tombstoneKey writes the tombstones of ch into a key.
func (k *keyBuf) tombstones(ch *channel) {
	k.int(int64(len(ch.gone)))
	for _, t := range ch.gone {
		k.str(t.ref)
		k.time(t.when)
	}
}
