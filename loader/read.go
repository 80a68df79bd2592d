package loader

import (
	"context"
	"feedpub/internal/parallel"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// readAll reads and parses files on a bounded pool of workers. The result
// is in the order of files, whatever order the workers finish in. When ctx
// is done it returns at once, every file not read marked so: a worker in
// the middle of a large post finishes it alone, and its result is dropped.
func (l *Loader) readAll(ctx context.Context, files []found) []*cached {
	out := make([]*cached, len(files))
	cancelled := func(i int) *cached {
		return &cached{problems: []*Problem{{Path: files[i].rel, Msg: "not read: scan cancelled"}}}
	}
	var mu sync.Mutex  // of out and done
	var pmu sync.Mutex // one call of Progress at a time
	done, abandoned := 0, false
	cache, rd := l.cache, l.reader() // what the workers use: a later scan may change l
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		parallel.For(l.cfg.Workers, len(files), func(i int) bool {
			if ctx.Err() != nil {
				return false
			}
			c := rd.read(files[i], cache[files[i].rel])
			mu.Lock()
			n := 0
			if !abandoned {
				out[i] = c
				done++
				n = done
			}
			mu.Unlock()
			if n > 0 && l.cfg.Progress != nil {
				pmu.Lock()
				l.cfg.Progress(n, len(files))
				pmu.Unlock()
			}
			return true
		})
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		mu.Lock()
		abandoned = true
		mu.Unlock()
	}
	for i := range out {
		if out[i] == nil {
			out[i] = cancelled(i)
		}
	}
	return out
}

// fileReader is what reading a file needs of a Loader, taken when a
// scan starts.
type fileReader struct {
	cfg  Config
	lazy bool
	src  *source
	// shared is how the scan's posts are read again (againFor).
	shared    *again
	shareOnce sync.Once
	names     names // of categories, tags, authors: a folder names few, each many times
}

func (l *Loader) reader() *fileReader { return &fileReader{cfg: l.cfg, lazy: l.lazy, src: l.src} }

// read reads and parses a file; prev is what the cache had for it, if
// anything. A file whose bytes did not change (touched, checked out again,
// copied over itself) keeps its *Post: feed.Builder then has nothing to
// redo for it.
func (rd *fileReader) read(f found, prev *cached) *cached {
	c := rd.load(f, prev)
	if c.post == nil && rd.cfg.KeepLastGood && prev != nil && prev.post != nil {
		// Published before: it stays, as it was, while the problem is
		// reported.
		c.post, c.stale = prev.post, true
		for i, p := range c.problems {
			if !p.Warn {
				q := *p
				q.Msg += "; the last good version stays published until the file is fixed, deleted or marked draft"
				c.problems[i] = &q
			}
		}
	}
	return c
}

// options are the Options of parse for a file modified at mtime.
func (rd *fileReader) options(mtime time.Time) Options {
	opt := Options{Location: rd.cfg.Location, NoBody: rd.lazy, Site: rd.cfg.Site}
	if rd.cfg.Site != nil {
		opt.Resolve = (&refs{realRoot: rd.src.realRoot, site: rd.cfg.Site, loc: rd.cfg.Location, limit: rd.cfg.MaxSize}).resolve
	}
	if rd.cfg.ModTimeDates {
		opt.ModTime = mtime.In(rd.cfg.Location).Truncate(time.Second)
	}
	return opt
}

// load reads and parses a file; prev is what the cache had for it.
func (rd *fileReader) load(f found, prev *cached) *cached {
	c := &cached{size: f.info.Size(), mtime: f.info.ModTime()}
	if c.size > rd.cfg.MaxSize {
		c.problems = []*Problem{{Path: f.rel, Line: 1, Msg: fmt.Sprintf("file is %d bytes, over the limit of %d", c.size, rd.cfg.MaxSize)}}
		return c
	}
	abs := f.abs
	if rd.src.derives(abs, f.rel) {
		abs = "" // opened from the root's descriptor
	}
	c, _ = withBuffer(func(buf []byte) ([]byte, *cached, error) {
		data, err := rd.src.read(buf, abs, f.rel, c.size, true)
		if err != nil {
			c.problems = []*Problem{{Path: f.rel, Line: 1, Msg: err.Error()}}
			return nil, c, nil
		}
		return data, rd.parsed(f, prev, c, data), nil
	})
	return c
}

// parsed fills c, the entry of the file f (which the cache had as prev),
// from its bytes data, which it keeps no reference to.
func (rd *fileReader) parsed(f found, prev *cached, c *cached, data []byte) *cached {
	sum := digest(data)
	// With ModTimeDates a new modification time can change the post.
	if prev != nil && prev.post != nil && !rd.cfg.ModTimeDates && prev.post.Sum == sum {
		c.post, c.problems = prev.post, prev.problems
		return c
	}
	opt := rd.options(f.info.ModTime())
	post, warnings, err := parse(f.rel, data, sum, opt)
	c.problems = warnings
	if err != nil {
		c.problems = append(c.problems, err.(*Problem))
		return c
	}
	// What reads a post again holds no reference to the Loader (a program
	// done with it, as build is, frees its cache), and nothing of its
	// own per post where the scan's will do.
	rd.intern(post)
	re := rd.againFor(f, opt)
	if rd.lazy && rd.cfg.SlimPosts {
		// What names the post (its title, author and link, and so its
		// guid) is kept as first read: a file that changes before Full
		// never publishes an item without them.
		c.post = &Post{Path: post.Path, Title: post.Title, Date: post.Date, Updated: post.Updated,
			Categories: post.Categories, Tags: post.Tags, Author: post.Author, Image: post.Image, Summary: post.Summary,
			Link: post.Link, Lang: post.Lang, Draft: post.Draft, Sum: post.Sum, sched: post.sched, utf8: post.utf8, xml: post.xml, size: post.size,
			again: re, slim: true}
		return c
	}
	if rd.lazy {
		post.again = re
	}
	c.post = post
	return c
}

// again is what reading a post's file again needs besides the post: where
// the files are, how they are parsed, and the file's own path where the
// source does not derive it from the post's. The posts of a scan share one
// where they can.
type again struct {
	src *source
	opt Options
	abs string // "" for the post's path under the root
}

// againFor is how the post of the file f, parsed with opt, is read again:
// the scan's shared one, unless f needs its own.
func (rd *fileReader) againFor(f found, opt Options) *again {
	abs := f.abs
	if rd.src.derives(abs, f.rel) {
		abs = "" // src.path makes it again
	}
	if abs != "" || rd.cfg.ModTimeDates {
		return &again{src: rd.src, opt: opt, abs: abs}
	}
	rd.shareOnce.Do(func() { rd.shared = &again{src: rd.src, opt: opt} })
	return rd.shared
}

// full is the whole of the slim post p, read again.
func (a *again) full(p *Post) (full *Post, err error) {
	a.src.refull(a.abs, p.Path, a.opt, p, false, func(f *Post, e error) { full, err = f, e })
	return full, err
}

// lend calls use with the whole of the slim post p, read again, its body
// lent (Post.WithFull).
func (a *again) lend(p *Post, use func(*Post, error)) {
	a.src.refull(a.abs, p.Path, a.opt, p, true, use)
}

// body is the body of post p, read again.
func (a *again) body(p *Post) (string, error) { return a.src.reread(a.abs, p.Path, p.Sum, a.opt) }

// source is where the files of a scan are: what a post needs to be read
// again, shared by all of them.
type source struct {
	realRoot string
	limit    int64 // Config.MaxSize
	// dir is a descriptor of realRoot that the files under it are opened
	// relative to: the kernel looks its path up once, not again for each
	// file (and no path is joined), -1 where none is held. Its cleanup
	// closes it.
	dir int
	// retired is set when a later scan of the Loader found another folder
	// under realRoot's name (the one held was swapped out since) and made
	// its own source: a file is then opened by its path again, in the
	// folder that now has the name.
	retired atomic.Bool
}

// same reports whether a scan of the folder realRoot, reading files up to
// limit bytes, may go on with src: the same folder, not another one moved
// to its name since src was made.
func (src *source) same(realRoot string, limit int64) bool {
	return src.realRoot == realRoot && src.limit == limit && (src.dir < 0 || sameFolder(src.dir, realRoot))
}

// newSource is the source of a scan of the folder realRoot, whose files
// are read up to limit bytes.
func newSource(realRoot string, limit int64) *source {
	src := &source{realRoot: realRoot, limit: limit, dir: openFolder(realRoot)}
	if src.dir >= 0 {
		runtime.AddCleanup(src, closeFolder, src.dir)
	}
	return src
}

// open opens the file abs, or when abs is "" rel under the root.
func (src *source) open(abs, rel string) (io.ReadCloser, error) {
	if abs == "" && src.dir >= 0 && !src.retired.Load() {
		f, err := openAt(src.dir, filepath.FromSlash(rel))
		runtime.KeepAlive(src) // open while in use
		if err == nil {
			return f, nil
		}
		// Not there (gone since, say): by its path, as ever, which the
		// error then names.
	}
	return openFile(src.path(abs, rel))
}

// read reads the file abs (rel under the root when abs is "") into buf's
// space where it fits, as readFrom does: size is the file's size when
// known tells so, else a guess.
func (src *source) read(buf []byte, abs, rel string, size int64, known bool) ([]byte, error) {
	f, err := src.open(abs, rel)
	return readClose(f, err, buf, size, src.limit, known)
}

// readPooled reads a file, of a size not known, into buf's space where it
// fits (a pooled buffer that held a post holds the next, as a rule): told
// the size is buf's capacity, read would want a byte more, and make a new
// buffer for every file (1.1 GB of garbage when serve's pager writes the
// pages of 100,000 posts).
func (src *source) readPooled(buf []byte, abs, rel string) ([]byte, error) {
	return src.read(buf, abs, rel, int64(cap(buf))-1, false)
}

// derives reports whether abs is rel under the root, as path makes it.
func (src *source) derives(abs, rel string) bool {
	r, ok := strings.CutPrefix(abs, src.realRoot)
	return ok && len(r) > 1 && r[0] == filepath.Separator && r[1:] == filepath.FromSlash(rel)
}

// path is the file to read for rel: abs, or when abs is "" rel under the
// root.
func (src *source) path(abs, rel string) string {
	if abs != "" {
		return abs
	}
	return filepath.Join(src.realRoot, filepath.FromSlash(rel))
}

// refull parses a file again for the whole of the slim post first read
// from it, and calls use with it (or the error), before the buffer it was
// read into goes back to the pool: with lend, the post's body may be a
// part of it (Post.WithFull). A file changed since is read until two
// reads agree, and its new version is taken if it places and names the
// post as the first did (same dates, categories, draft and link): the post
// is then shown consistently, as its file now is. Otherwise Full fails,
// and the post keeps what was first read.
func (src *source) refull(abs, rel string, opt Options, slim *Post, lend bool, use func(*Post, error)) {
	withBuffer(func(buf []byte) ([]byte, struct{}, error) {
		first, err := src.readSlim(buf, abs, rel, slim)
		if err != nil {
			use(nil, fmt.Errorf("loader: %s: %w", rel, err))
			return nil, struct{}{}, nil
		}
		data, sum := first, digest(first)
		for try := 0; sum != slim.Sum && try < maxRereads; try++ {
			again, err := src.read(nil, abs, rel, int64(len(data)), false)
			if err != nil {
				use(nil, fmt.Errorf("loader: %s: %w", rel, err))
				return first, struct{}{}, nil
			}
			if s := digest(again); s != sum {
				data, sum = again, s
				continue
			}
			break
		}
		use(src.reparse(rel, data, sum, opt, slim, lend))
		return first, struct{}{}, nil
	})
}

// readSlim reads the file of the post slim again (abs, or rel under the
// root), into buf's space where it fits: of the size it had when slim was
// read, if known.
func (src *source) readSlim(buf []byte, abs, rel string, slim *Post) ([]byte, error) {
	if slim.size == 0 {
		return src.readPooled(buf, abs, rel)
	}
	return src.read(buf, abs, rel, slim.size, true)
}

// reparse is refull's post of the bytes data (whose digest is sum); with
// lend, its body may be a part of them.
func (src *source) reparse(rel string, data []byte, sum string, opt Options, slim *Post, lend bool) (*Post, error) {
	opt.NoBody = false
	if sum == slim.Sum { // the file first read: its front matter is slim's
		if post, ok, err := fillBody(slim, data, opt, lend); ok {
			if err != nil {
				return nil, fmt.Errorf("loader: %s: %w", rel, err)
			}
			return post, nil
		}
	}
	post, _, err := parse(rel, data, sum, opt)
	if err != nil {
		return nil, fmt.Errorf("loader: %s: changed since it was read: %w", rel, err)
	}
	if sum != slim.Sum && !samePlace(post, slim) {
		return nil, fmt.Errorf("loader: %s: changed since it was read (its date, categories, tags, author, draft or link): the next build publishes the change", rel)
	}
	return post, nil
}

// maxRereads is how many times Full reads a changing file again before it
// takes the last version read.
const maxRereads = 3

// samePlace reports whether two versions of a post go in the same feeds
// at the same place, under the same id.
func samePlace(a, b *Post) bool {
	return a.Date.Equal(b.Date) && a.Updated.Equal(b.Updated) && a.Draft == b.Draft && a.Link == b.Link &&
		slices.Equal(a.Categories, b.Categories) && slices.Equal(a.Tags, b.Tags) && a.Author.Name == b.Author.Name
}

// reread parses a file again for its body, if it still has the bytes whose
// digest is sum.
func (src *source) reread(abs, rel string, sum string, opt Options) (string, error) {
	return withBuffer(func(buf []byte) ([]byte, string, error) {
		data, err := src.readPooled(buf, abs, rel)
		if err != nil {
			return nil, "", fmt.Errorf("loader: %s: %w", rel, err)
		}
		opt.NoBody = false
		body, err := parseBody(rel, data, sum, opt)
		return data, body, err
	})
}
