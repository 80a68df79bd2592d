package loader

import (
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zeebo/xxh3"
)

// DefaultMaxSize is the largest post file read, in bytes.
const DefaultMaxSize = 4 << 20

// Config says where the posts are and how to read them.
type Config struct {
	Root     string
	Location *time.Location // zone for dates written without one; UTC when nil
	MaxSize  int64          // files larger than this are rejected unread; DefaultMaxSize when 0
	// ModTimeDates lets a post without a date take its file's modification
	// time (with a warning) instead of being rejected.
	ModTimeDates bool
	Workers      int // parallel parsers; GOMAXPROCS when 0
	// BodyBudget, when not zero, bounds the memory that bodies take: when
	// the folder's post files total more than BodyBudget bytes, each
	// post's Body is dropped once it is parsed, and Post.LoadBody reads it
	// again when needed. Memory then follows the posts' metadata, not the
	// size of the folder. Zero keeps every body.
	BodyBudget int64
	// SlimPosts goes further than BodyBudget for a folder over it: posts
	// keep only what ordering, grouping and naming them needs (path,
	// dates, categories, draft, digest, title, author, link, picture,
	// summary, language), and Post.Full reads the rest again.
	// For a program that shows each post once, as build does.
	SlimPosts bool
	// KeepLastGood keeps a post that was read before and can no longer
	// be read (its front matter broken, its file caught empty by an
	// editor that truncates and writes) published in its last good
	// version, its problem reported, until the file is fixed, deleted or
	// marked draft: for a program that keeps one Loader, as serve does.
	KeepLastGood bool
	// Site, when set, is the site around the posts (DetectSite): only its
	// folder of posts is read, in its generator's dialect.
	Site *Site
	// Progress, if set, is called from the readers' goroutines (one at a
	// time) after each file read: done of total files of this scan.
	Progress func(done, total int)
}

// A Loader reads the seed folder and remembers what it read, so that a
// later Scan re-reads only the files whose size or modification time
// changed. It is safe for use by one goroutine at a time.
type Loader struct {
	cfg     Config
	cache   map[string]*cached    // by slash path relative to Root
	keys    []string              // of cache, sorted
	posts   []*Post               // cache[keys[i]].post is posts[i]
	probs   map[string][]*Problem // cache[k].problems, for the files that have some
	folders []*Problem            // problems with folders and links, from the last walk
	lazy    bool                  // bodies are dropped: the folder is over BodyBudget
	src     *source               // of the files of the scan being made
	scanned bool
	primeFn func() []Known // see PrimeWith
	gone    []string       // paths remove dropped during an Update (Result.Changed)
}

type cached struct {
	size     int64
	mtime    time.Time
	post     *Post
	problems []*Problem
	stale    bool // post is the last good version of a file that no longer reads (KeepLastGood)
}

// Result is the state of the folder after a scan.
type Result struct {
	Posts    []*Post    // every accepted post (drafts too), sorted by Path
	Problems []*Problem // rejections and warnings, sorted by path
	Read     int        // files (re)read by this scan
	Files    int        // post files seen
	// Changed is, after an Update, the paths (relative to Root) of the
	// files read again or gone: the only ones whose posts may differ from
	// the last Result's (Loader.KnownOf). It is nil after a Scan, which
	// may have changed any.
	Changed []string
}

// New returns a Loader for cfg.
func New(cfg Config) *Loader {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return &Loader{cfg: cfg, cache: map[string]*cached{}}
}

// A file found by the walk.
type found struct {
	rel  string // slash path relative to the root, as the user sees it
	abs  string // path to read (the link's target for a symbolic link)
	info fs.FileInfo
}

// roots resolves the seed folder: as configured, made absolute, and with
// symbolic links followed. The files read from here on are read again
// from it (l.src).
func (l *Loader) roots() (root, realRoot string, err error) {
	if root, err = filepath.Abs(l.cfg.Root); err != nil {
		return "", "", fmt.Errorf("loader: %w", err)
	}
	if realRoot, err = filepath.EvalSymlinks(root); err != nil {
		return "", "", fmt.Errorf("loader: seed folder: %w", err)
	}
	if l.src == nil || !l.src.same(realRoot, l.cfg.MaxSize) {
		if l.src != nil {
			l.src.retired.Store(true)
		}
		l.src = newSource(realRoot, l.cfg.MaxSize)
	}
	return root, realRoot, nil
}

// Scan walks the folder and returns every post in it. Problems with single
// files never stop the scan; only a folder that cannot be read at all is an
// error.
func (l *Loader) Scan(ctx context.Context) (*Result, error) {
	l.gone = nil // an Update that gave up on its paths: every file is looked at
	root, realRoot, err := l.roots()
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(realRoot); err != nil {
		return nil, fmt.Errorf("loader: seed folder: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("loader: seed folder %s is not a folder", root)
	}
	w := walker{realRoot: realRoot, site: l.cfg.Site, visited: map[string]bool{}}
	w.walk(realRoot, "")
	if fn := l.primeFn; fn != nil {
		l.primeFn = nil
		l.prime(fn(), true)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	var total int64
	for _, f := range w.files {
		total += f.info.Size()
	}
	l.lazy = l.cfg.BodyBudget > 0 && total > l.cfg.BodyBudget

	now := time.Now()
	res := &Result{}
	next := make(map[string]*cached, len(w.files))
	var todo []found
	for _, f := range w.files {
		c := l.cache[f.rel]
		// A file written in the last two seconds may change again within the
		// file system's timestamp resolution: read it again to be sure.
		if c != nil && c.size == f.info.Size() && c.mtime.Equal(f.info.ModTime()) && now.Sub(c.mtime) > 2*time.Second {
			next[f.rel] = c
			continue
		}
		todo = append(todo, f)
	}
	res.Read = len(todo)
	read := l.readAll(ctx, todo)
	for i, f := range todo {
		next[f.rel] = read[i]
	}
	l.cache = next
	l.attachPrimed(w.files)
	l.keys = make([]string, 0, len(next))
	for k := range next {
		l.keys = append(l.keys, k)
	}
	sort.Strings(l.keys)
	l.posts = make([]*Post, len(l.keys))
	l.probs = map[string][]*Problem{}
	for i, k := range l.keys {
		l.posts[i] = next[k].post
		if ps := next[k].problems; len(ps) > 0 {
			l.probs[k] = ps
		}
	}
	l.folders = w.problems
	l.scanned = true
	return l.result(res), ctx.Err()
}

// result fills res with the posts and problems of the cache, in path
// order. It reads no cache entry: a rebuild after one file changed costs
// a copy of the list of posts, not a visit to each.
func (l *Loader) result(res *Result) *Result {
	res.Files = len(l.keys)
	res.Posts = make([]*Post, 0, len(l.posts))
	for _, p := range l.posts {
		if p != nil {
			res.Posts = append(res.Posts, p)
		}
	}
	res.Problems = append([]*Problem(nil), l.folders...)
	for _, k := range sortedKeys(l.probs) {
		res.Problems = append(res.Problems, l.probs[k]...)
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Path < res.Problems[j].Path })
	return res
}

// digest is Post.Sum of a file's bytes, as Parse makes it: XXH3's 128
// bits, which tell a file's versions apart as SHA-256's first 128 did (no
// one gains by making two of their own posts collide), at 40 GB/s rather
// than 1.5: SHA-256 was 0.5 s of CPU in a scan of 100,000 posts (820 MB),
// an eighth of serve's first build, and as much again in its pager.
func digest(data []byte) string {
	sum := xxh3.Hash128(data).Bytes()
	return hex.EncodeToString(sum[:])
}

// Update brings the loader up to date after changes to the given paths
// (files or folders, absolute or relative to Root, such as the watcher
// reports), re-reading only those, and returns the state of the whole
// folder as Scan does. A path that is gone removes every post at or below
// it; a folder is walked. Before the first Scan, or for a path that Update
// cannot place (outside Root, or a symbolic link), it does a full Scan.
func (l *Loader) Update(ctx context.Context, paths []string) (*Result, error) {
	if !l.scanned {
		return l.Scan(ctx)
	}
	root, realRoot, err := l.roots()
	if err != nil {
		return nil, err
	}
	rels := map[string]bool{}
	for _, p := range paths {
		rel, ok := relPath(root, realRoot, p)
		if !ok || rel == "" {
			return l.Scan(ctx)
		}
		rels[rel] = true
	}
	now := time.Now()
	var todo []found
	var dirProblems []*Problem
	for _, rel := range sortedKeys(rels) {
		if hidden(rel) {
			continue
		}
		abs := filepath.Join(realRoot, filepath.FromSlash(rel))
		fi, err := os.Lstat(abs)
		switch {
		case err != nil:
			l.remove(rel, true)
		case fi.Mode()&fs.ModeSymlink != 0:
			return l.Scan(ctx)
		case fi.IsDir():
			var probs []*Problem
			todo, probs = l.updateFolder(todo, realRoot, abs, rel, now)
			dirProblems = append(dirProblems, probs...)
		case fi.Mode().IsRegular() && IsPostFile(path.Base(rel)) && l.cfg.Site.takes(rel, false) && !l.cfg.Site.inBundle(realRoot, rel):
			todo = append(todo, found{rel: rel, abs: abs, info: fi})
		case IsPostFile(path.Base(rel)): // a FIFO, socket or device
			l.remove(rel, false)
			dirProblems = append(dirProblems, notRegular(rel, fi.Mode()))
		default:
			l.remove(rel, false)
		}
	}
	// A folder and a file in it may both be named: read the file once.
	slices.SortStableFunc(todo, func(a, b found) int { return strings.Compare(a.rel, b.rel) })
	todo = slices.CompactFunc(todo, func(a, b found) bool { return a.rel == b.rel })
	read := l.readAll(ctx, todo)
	for i, f := range todo {
		at := sort.SearchStrings(l.keys, f.rel)
		if _, ok := l.cache[f.rel]; ok {
			l.posts[at] = read[i].post
		} else {
			l.keys = slices.Insert(l.keys, at, f.rel)
			l.posts = slices.Insert(l.posts, at, read[i].post)
		}
		l.cache[f.rel] = read[i]
		delete(l.probs, f.rel)
		if ps := read[i].problems; len(ps) > 0 {
			l.probs[f.rel] = ps
		}
	}
	l.folders = mergeProblems(l.folders, dirProblems)
	res := l.result(&Result{Read: len(todo), Changed: append(make([]string, 0, len(l.gone)+len(todo)), l.gone...)})
	for _, f := range todo {
		res.Changed = append(res.Changed, f.rel)
	}
	l.gone = nil
	return res, ctx.Err()
}

// updateFolder walks the folder abs (rel to the root) that changed: todo
// with its files that are new or changed since read (a file changed in
// the last 2 s is read again, whose time may not tell a second change),
// the files known under it that are gone removed, and the walk's problems.
func (l *Loader) updateFolder(todo []found, realRoot, abs, rel string, now time.Time) ([]found, []*Problem) {
	w := walker{realRoot: realRoot, site: l.cfg.Site, visited: map[string]bool{}}
	w.walk(abs, rel)
	seen := make(map[string]bool, len(w.files))
	for _, f := range w.files {
		seen[f.rel] = true
		c := l.cache[f.rel]
		if c != nil && c.size == f.info.Size() && c.mtime.Equal(f.info.ModTime()) && now.Sub(c.mtime) > 2*time.Second {
			continue
		}
		todo = append(todo, f)
	}
	for _, k := range l.under(rel) {
		if !seen[k] {
			l.remove(k, false)
		}
	}
	return todo, w.problems
}

// relPath turns a path from the watcher into a slash path relative to the
// root, "" for the root itself; ok is false outside it.
func relPath(root, realRoot, p string) (string, bool) {
	if !filepath.IsAbs(p) {
		if p == "." {
			return "", true
		}
		return filepath.ToSlash(filepath.Clean(p)), filepath.IsLocal(p)
	}
	for _, r := range []string{root, realRoot} {
		if rel, err := filepath.Rel(r, p); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel), true
		} else if err == nil && rel == "." {
			return "", true
		}
	}
	return "", false
}

// under returns the cached paths strictly below folder rel.
func (l *Loader) under(rel string) []string {
	prefix := rel + "/"
	i := sort.SearchStrings(l.keys, prefix)
	j := i
	for j < len(l.keys) && strings.HasPrefix(l.keys[j], prefix) {
		j++
	}
	return slices.Clone(l.keys[i:j])
}

// remove forgets the post at rel and, with below, every post under it.
func (l *Loader) remove(rel string, below bool) {
	drop := []string{rel}
	if below {
		drop = append(drop, l.under(rel)...)
	}
	for _, k := range drop {
		if _, ok := l.cache[k]; !ok {
			continue
		}
		delete(l.cache, k)
		delete(l.probs, k)
		l.gone = append(l.gone, k)
		if i := sort.SearchStrings(l.keys, k); i < len(l.keys) && l.keys[i] == k {
			l.keys = slices.Delete(l.keys, i, i+1)
			l.posts = slices.Delete(l.posts, i, i+1)
		}
	}
	l.folders = slices.DeleteFunc(l.folders, func(p *Problem) bool {
		return p.Path == rel || (below && strings.HasPrefix(p.Path, rel+"/"))
	})
}

// mergeProblems adds new folder problems to old, without repeats.
func mergeProblems(old, add []*Problem) []*Problem {
	seen := map[string]bool{}
	for _, p := range old {
		seen[p.Error()] = true
	}
	for _, p := range add {
		if !seen[p.Error()] {
			seen[p.Error()] = true
			old = append(old, p)
		}
	}
	return old
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
