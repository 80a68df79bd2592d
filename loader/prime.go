package loader

import "time"

// A Known file is what a program that keeps the state of a folder between
// runs (feedpub build) remembers of one post file: its size, modification
// time and the post read from it, slim (no body: see Config.SlimPosts).
type Known struct {
	Path    string // slash path relative to the root
	Size    int64
	ModTime time.Time
	Post    *Post
	// Stale (from Loader.Known) says the file no longer reads and Post is
	// its last good version (Config.KeepLastGood): a later run must read
	// the file again.
	Stale bool
}

// Prime tells a Loader before its first Scan what an earlier run read:
// the Scan then reads again only the files whose size or modification
// time differ, and takes the others' posts as given; a Stale one is read
// again, and with Config.KeepLastGood stays as given if it still does not
// read. A post given is kept
// slim; Post.Full reads the whole of it again from its file, as for
// Config.SlimPosts. Prime after a Scan does nothing.
func (l *Loader) Prime(known []Known) { l.prime(known, false) }

// prime is Prime; with owned, the posts of known are the Loader's from
// now on, taken as they are rather than copied.
func (l *Loader) prime(known []Known, owned bool) {
	if l.scanned {
		return
	}
	for _, k := range known {
		if k.Post == nil || k.Post.Path != k.Path {
			continue
		}
		p := k.Post
		if !owned {
			cp := *k.Post
			p = &cp
		}
		p.Body, p.again, p.slim, p.primed = "", nil, true, true
		c := &cached{size: k.Size, mtime: k.ModTime, post: p}
		if k.Stale { // read again, and kept if it still does not read
			c.size = -1
		}
		l.cache[k.Path] = c
	}
}

// PrimeWith is Prime with what known returns, called by the first Scan
// once it has walked the folder (the file system's part of the work): what
// an earlier run read can be decoded meanwhile. Scan calls known only if
// it gets that far. The posts known returns are the Loader's from then on
// (not copied, as Prime's are).
func (l *Loader) PrimeWith(known func() []Known) {
	if !l.scanned {
		l.primeFn = known
	}
}

// attachPrimed lets the primed posts of the cache read their files again,
// now that the walk has found them.
func (l *Loader) attachPrimed(files []found) {
	rd := l.reader()
	for _, f := range files {
		c := l.cache[f.rel]
		if c == nil || c.post == nil || !c.post.primed || c.post.again != nil {
			continue
		}
		c.post.again = rd.againFor(f, rd.options(c.mtime))
	}
}

// Known returns, in path order, what the last Scan or Update found of each
// file that gave a post: what Prime takes in a later run.
func (l *Loader) Known() []Known {
	out := make([]Known, 0, len(l.keys))
	for _, k := range l.keys {
		c := l.cache[k]
		if c == nil || c.post == nil {
			continue
		}
		out = append(out, Known{Path: k, Size: c.size, ModTime: c.mtime, Post: c.post, Stale: c.stale})
	}
	return out // l.keys is sorted
}

// KnownOf is Known of the files at paths alone (Result.Changed), in the
// order given; a path that gives no post is left out.
func (l *Loader) KnownOf(paths []string) []Known {
	out := make([]Known, 0, len(paths))
	for _, k := range paths {
		if c := l.cache[k]; c != nil && c.post != nil {
			out = append(out, Known{Path: k, Size: c.size, ModTime: c.mtime, Post: c.post, Stale: c.stale})
		}
	}
	return out
}
