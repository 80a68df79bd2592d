package feed

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"strconv"
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
		h := sha256.New()
		h.Write([]byte("post\x00"))
		itemKey(h, it)
		older, newer := s.neighbours(it)
		for _, n := range []*item{older, newer} {
			if n == nil {
				h.Write([]byte{0})
				continue
			}
			keyString(h, n.slug)
			keyString(h, n.post.Title)
		}
		return keySum(h)
	case sf.ch == nil:
		return ""
	}
	ch := sf.ch
	h := sha256.New()
	keyString(h, "chan\x00"+strconv.Itoa(sf.f))
	keyString(h, ch.dir)
	keyString(h, ch.name)
	keyString(h, ch.title)
	keyString(h, ch.description)
	keyTime(h, ch.updated)
	keyInt(h, int64(len(ch.items)))
	for _, it := range ch.items[:min(s.r.Limit, len(ch.items))] {
		itemKey(h, it)
	}
	return keySum(h)
}

// itemKey writes what an item shows of its post: the file's digest names
// its bytes; the slug, dates and categories are kept with it.
func itemKey(h hash.Hash, it *item) {
	p := it.post
	keyString(h, p.Path)
	keyString(h, p.Sum)
	keyString(h, it.slug)
	keyTime(h, p.Date)
	keyTime(h, p.Updated)
	keyInt(h, int64(len(it.categories)))
	for _, c := range it.categories {
		keyString(h, c.name)
	}
}

func keyString(h hash.Hash, s string) {
	keyInt(h, int64(len(s)))
	h.Write([]byte(s))
}

func keyInt(h hash.Hash, n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func keyTime(h hash.Hash, t time.Time) {
	keyInt(h, t.UnixNano())
	_, off := t.Zone()
	keyInt(h, int64(off))
}

func keySum(h hash.Hash) string {
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Digest is a digest of the templates and stylesheet every page is made
// with: a publisher that remembers what it wrote forgets it when they
// change.
func Digest() string {
	h := sha256.New()
	fs.WalkDir(templateFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		keyString(h, p)
		keyString(h, string(b))
		return err
	})
	return keySum(h)
}

// Fingerprint is a digest of what a Site's bytes depend on besides its
// posts: the configuration (defaults filled) and Digest. It is "" with
// an error for a configuration that cannot work.
func Fingerprint(cfg Config) (string, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	keyString(h, Digest())
	keyString(h, cfg.Location.String())
	cfg.Location = nil // a pointer: its name is what counts
	keyString(h, fmt.Sprintf("%#v", cfg))
	return keySum(h), nil
}
