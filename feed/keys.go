package feed

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// What a file is made from. A publisher that remembers, per file, the key
// of what it wrote (publish.State) can leave a file alone, without making
// it, when its key is the same: that is what makes a build after a small
// change cost the change, not the folder.
//
// A key covers what a file's bytes depend on beyond the configuration and
// the templates (Digest covers those): for a post, its file's digest, its
// slug and dates; for a feed, its name, title and the posts of its newest
// Limit; for a post's page, the post and its neighbours.

// Key returns the key of the file at path p: a digest of the inputs its
// bytes are made from, or "" for a file that has none (the index, the
// OPML list, the list of categories, the stylesheet: made with every
// build, at little cost) or that the Site does not have.
func (s *Site) Key(p string) string {
	sf, it, ok := s.lookup(p)
	switch {
	case !ok:
		return ""
	case it != nil:
		return s.postKey(it)
	case sf.ch == nil:
		return ""
	case sf.arch > 0:
		return s.archiveKey(sf)
	}
	base, ok := s.chanKeys.Load(sf.ch)
	if !ok {
		base, _ = s.chanKeys.LoadOrStore(sf.ch, s.chanKey(sf.ch))
	}
	k := keyBuf{b: make([]byte, 0, 64)}
	k.str(base.(string))
	k.int(int64(sf.f))
	if sf.f == formatAtom {
		k.tombstones(sf.ch)
	}
	return k.sum()
}

// A pageKey is the key of an item's page as last made, with the items
// it was made with as older and newer: an item never changes, so the key
// holds while they are the same, and a rebuild hashes again only the
// pages of the posts that changed or got new neighbours.
type pageKey struct {
	older, newer *item
	key          string
}

// postKey is the key of the page of it, kept with the item.
func (s *Site) postKey(it *item) string {
	older, newer := s.neighbours(it)
	if pk := it.key.Load(); pk != nil && pk.older == older && pk.newer == newer {
		return pk.key
	}
	key := pageKeyOf(it, older, newer)
	it.key.Store(&pageKey{older: older, newer: newer, key: key})
	return key
}

// pageKeyOf is the key of the page of it between older and newer.
func pageKeyOf(it, older, newer *item) string {
	var buf [512]byte
	k := keyBuf{b: buf[:0]}
	k.str("post")
	k.item(it)
	for _, n := range [...]*item{older, newer} {
		if n == nil {
			k.int(-1)
			continue
		}
		k.str(n.slug)
		k.str(n.post.Title)
	}
	return k.sum()
}

// archiveKey is the key of an archive document: its channel's names, its
// number among how many, and its items.
func (s *Site) archiveKey(sf siteFile) string {
	ch := sf.ch
	k := keyBuf{b: make([]byte, 0, 4096)}
	k.str("archive")
	k.int(int64(sf.f))
	k.int(int64(sf.arch))
	k.int(int64(s.r.archiveCount(len(ch.items))))
	k.str(ch.dir)
	k.str(ch.name)
	k.str(ch.title)
	k.str(ch.description)
	for _, it := range s.r.archiveItems(ch, sf.arch) {
		k.item(it)
	}
	return k.sum()
}

// keptChanKeys is a new Site's map of channel keys, given those of the
// last Site's channels that it has too: a channel never changes, nor its
// key, and a rebuild makes few channels anew.
func (b *Builder) keptChanKeys(chans []*channel) *sync.Map {
	m := new(sync.Map)
	if last := b.chanKeys; last != nil {
		for _, ch := range chans {
			if k, ok := last.Load(ch); ok {
				m.Store(ch, k)
			}
		}
	}
	b.chanKeys = m
	return m
}

// chanKey is the key of what every file of channel ch is made from.
func (s *Site) chanKey(ch *channel) string {
	k := keyBuf{b: make([]byte, 0, 4096)}
	k.str("chan")
	k.str(ch.dir)
	k.str(ch.name)
	k.str(ch.title)
	k.str(ch.description)
	k.time(ch.updated)
	k.int(int64(len(ch.items)))
	for _, it := range ch.items[:min(s.r.Limit, len(ch.items))] {
		k.item(it)
	}
	if h, ok := s.r.pollHint(ch); ok { // learnt from more posts than the newest Limit
		k.int(int64(h.TTL))
		k.int(int64(h.SkipHours))
		k.int(int64(h.SkipDays))
	}
	return k.sum()
}

// A keyBuf is the inputs of a key, each written so that no two lists of
// them give the same bytes, then hashed at once.
type keyBuf struct{ b []byte }

// item writes what an item shows of its post: the file's digest names
// its bytes; the slug, dates and categories are kept with it.
func (k *keyBuf) item(it *item) {
	p := it.post
	k.str(p.Path)
	k.str(p.Sum)
	k.str(it.slug)
	k.time(p.Date)
	k.time(p.Updated)
	k.int(int64(len(it.categories)))
	for _, c := range it.categories {
		k.str(c.name)
	}
}

func (k *keyBuf) str(s string) {
	k.int(int64(len(s)))
	k.b = append(k.b, s...)
}

func (k *keyBuf) int(n int64) { k.b = binary.LittleEndian.AppendUint64(k.b, uint64(n)) }

func (k *keyBuf) time(t time.Time) {
	_, off := t.Zone()
	k.int(t.UnixNano())
	k.int(int64(off))
}

func (k *keyBuf) sum() string {
	sum := sha256.Sum256(k.b)
	return hex.EncodeToString(sum[:16])
}

// Digest is a digest of the templates and stylesheet every page is made
// with: a publisher that remembers what it wrote forgets it when they
// change.
func Digest() string {
	var k keyBuf
	fs.WalkDir(templateFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		k.str(p)
		k.str(string(b))
		return err
	})
	return k.sum()
}

// Fingerprint is a digest of what a Site's bytes depend on besides its
// posts: the configuration (defaults filled) and Digest. It is "" with
// an error for a configuration that cannot work.
func Fingerprint(cfg Config) (string, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return "", err
	}
	var k keyBuf
	k.str(Digest())
	k.str(cfg.Location.String())
	cfg.Location = nil        // a pointer: its name is what counts
	if cfg.Templates != nil { // the user's: what they hold counts
		err := fs.WalkDir(cfg.Templates, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(cfg.Templates, p)
			k.str(p)
			k.str(string(b))
			return err
		})
		if err != nil {
			return "", fmt.Errorf("feed: templates: %w", err)
		}
		cfg.Templates = nil
	}
	cfg.Memory = nil // not a setting
	k.str(fmt.Sprintf("%#v", cfg))
	return k.sum(), nil
}
