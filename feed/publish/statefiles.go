package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"feedpub/feed"
	"feedpub/internal/parallel"
	"feedpub/loader"
)

// LoadDirState is LoadState of the folder dir, which may not exist yet.
// Build's state of a folder keeps the content of the posts in feeds too
// (Content).
func LoadDirState(dir, name, fingerprint string, log *slog.Logger) *State {
	var st *State
	if root, err := os.OpenRoot(dir); err != nil {
		st = LoadState(noFiles{}, name, fingerprint, log)
	} else {
		st = LoadState(root, name, fingerprint, log)
		root.Close()
	}
	if name == BuildState && dir != "" {
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		st.bodies = &bodyStore{dir: dir, fp: fingerprint, log: log}
	}
	return st
}

// Content is feed.Memory.Content: the content kept of the post at path,
// in the version named, as the feeds of an earlier build carried it.
func (st *State) Content(path, version string) (string, bool) {
	if st.bodies == nil {
		return "", false
	}
	return st.bodies.content(path, version)
}

type noFiles struct{}

func (noFiles) ReadFile(string) ([]byte, error) { return nil, fs.ErrNotExist }

// UpdatePosts records the posts of a scan (loader.Loader.Known) as of now,
// and the posts that went since the last. With editTimes, a post whose
// file changed while the update it gives did not (an edit without a new
// updated: field) takes as its update the time its new digest was first
// seen; a post whose digest the state knows takes the update recorded.
// It sets the posts' Updated accordingly: call it before building.
func (st *State) UpdatePosts(known []loader.Known, now time.Time, editTimes bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	posts := st.data.Posts
	seen := now.UTC().Truncate(time.Second)
	matched := 0 // posts of known the state had
	for _, k := range known {
		if st.recordPost(k, seen, editTimes) {
			matched++
		}
	}
	if matched == len(posts) {
		return
	}
	in := make(map[string]bool, len(known))
	for _, k := range known {
		in[k.Path] = true
	}
	for path := range posts {
		if !in[path] {
			st.dropPost(path, seen)
		}
	}
}

// UpdateSome is UpdatePosts after a change to the files at paths alone
// (loader.Result.Changed): known is what the loader knows of those
// (loader.Loader.KnownOf); a path it lacks lost its post. The state's
// other posts stay as they are, unvisited.
func (st *State) UpdateSome(known []loader.Known, paths []string, now time.Time, editTimes bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	seen := now.UTC().Truncate(time.Second)
	in := make(map[string]bool, len(known))
	for _, k := range known {
		st.recordPost(k, seen, editTimes)
		in[k.Path] = true
	}
	for _, path := range paths {
		if _, had := st.data.Posts[path]; had && !in[path] {
			st.dropPost(path, seen)
		}
	}
}

// recordPost records the post of k as seen now (see UpdatePosts) and
// reports whether the state had one at its path; st.mu is held.
func (st *State) recordPost(k loader.Known, seen time.Time, editTimes bool) bool {
	p := k.Post
	rec, had := st.data.Posts[k.Path]
	st.noteRemoval(k.Path, rec, had, p.Draft, seen)
	if had && rec.Post == p && rec.Size == k.Size && rec.ModTime == nanosOf(k.ModTime) && rec.Stale == k.Stale {
		return had // this very post, recorded: most of them, after a small change
	}
	raw := p.Updated
	switch {
	case had && p.Sum == rec.Post.Sum:
		raw, p.Updated = rec.Raw(), rec.Post.Updated
	case had && editTimes && !k.Stale && p.Updated.Equal(rec.Raw()) && seen.After(p.Updated):
		p.Updated = seen
	}
	r := newPostRecord(p, k.Size, k.ModTime, k.Stale, raw)
	if !had || !samePost(&rec, &r) {
		st.delta.post(k.Path)
		st.dirty = true
	}
	st.data.Posts[k.Path] = r // the loader's post, the same or not: one copy held
	return had
}

// dropPost forgets the post at path, whose file went, as of seen; st.mu
// is held.
func (st *State) dropPost(path string, seen time.Time) {
	st.noteRemoval(path, st.data.Posts[path], true, true, seen)
	delete(st.data.Posts, path)
	st.delta.post(path)
	st.dirty = true
}

// samePost reports whether two records of a post are the same, as saved.
func samePost(a, b *PostRecord) bool {
	return a.Size == b.Size && a.ModTime == b.ModTime && a.Stale == b.Stale && a.Raw().Equal(b.Raw()) &&
		sameMeta(a.Post, b.Post)
}

func sameMeta(a, b *loader.Post) bool {
	return a == b || a.Title == b.Title && a.Image == b.Image && a.Summary == b.Summary && a.Link == b.Link &&
		a.Lang == b.Lang && a.Sum == b.Sum && a.Date.Equal(b.Date) && a.Updated.Equal(b.Updated) &&
		a.Due().Equal(b.Due()) && a.Expires().Equal(b.Expires()) && slices.Equal(a.Categories, b.Categories) &&
		slices.Equal(a.Tags, b.Tags) && a.Author == b.Author && a.Draft == b.Draft
}

// fileSum is the digest of a published file's bytes the state keeps
// (BLAKE3: feed.BodySum).
func fileSum(body []byte) Digest { return Digest(feed.BodySum(body)) }

// plan returns the indexes of the files (files[i] publishing the site's
// paths[i]) that must be made and maybe written: those whose key is not
// the state's, or who have none and whose bytes are not the state's. Of
// the files the site no longer has it keeps only when they last changed.
// Before any is written, they are listed as pending beside the state
// (markPending): a run killed while writing them leaves a state that
// trusts none of them.
func (st *State) plan(s *feed.Site, t Target, paths, files []string) ([]int, error) {
	if err := st.dropRefused(t); err != nil {
		return nil, err
	}
	st.checkOutput(t)
	keys := make([]string, len(paths)) // pure and the most of the work: on all cores
	inSlices(len(paths), func(lo, hi int) { s.KeysInto(keys[lo:hi], paths[lo:hi]) })
	st.mu.Lock()
	todo, matched, err := st.toMake(s, paths, files, keys)
	if err != nil {
		st.mu.Unlock()
		return nil, err
	}
	if matched != st.active() { // some file the state lists is gone
		keep := make(map[string]bool, len(files))
		for _, name := range files {
			keep[name] = true
		}
		for name, rec := range st.data.Files {
			if !keep[name] && (!rec.Sum.IsZero() || !rec.Key.IsZero() || rec.Pending) {
				// Gone, but its time stays: were it to come back, its
				// Last-Modified is still later than the last one served.
				st.fileChanged(name)
				st.data.Files[name] = FileRecord{Changed: rec.Changed}
				st.dirty = true
			}
		}
	}
	var pending []string
	for _, i := range todo {
		if rec, ok := st.data.Files[files[i]]; ok && !rec.Sum.IsZero() {
			pending = append(pending, files[i])
		}
	}
	st.mu.Unlock()
	if len(pending) > 0 {
		return todo, st.markPending(t, pending)
	}
	return todo, nil
}

// toMake is plan's choice among files (distinct names, Write checks),
// keys being their keys: the indexes of those to make, and how many of
// them the state lists (with a version, or being written). The records
// are looked up on all cores; st.mu is held.
func (st *State) toMake(s *feed.Site, paths, files, keys []string) ([]int, int, error) {
	const (
		fine = iota
		remake
		compare // a file made with every build: its bytes tell
	)
	what := make([]uint8, len(paths))
	var matched atomic.Int64
	inSlices(len(paths), func(lo, hi int) {
		n := 0
		for i := lo; i < hi; i++ {
			rec, ok := st.data.Files[files[i]]
			if ok && (!rec.Sum.IsZero() || !rec.Key.IsZero() || rec.Pending) {
				n++
			}
			switch {
			case !ok || rec.Pending || rec.Sum.IsZero():
				what[i] = remake
			case keys[i] == "":
				what[i] = compare
			case digestOf(keys[i]) != rec.Key:
				what[i] = remake
			}
		}
		matched.Add(int64(n))
	})
	var todo []int
	for i, w := range what {
		if w == compare {
			body, err := s.Body(paths[i]) // made already
			if err != nil {
				return nil, 0, err
			}
			if fileSum(body) == st.data.Files[files[i]].Sum {
				w = fine
			}
		}
		if w != fine {
			todo = append(todo, i)
		}
	}
	return todo, int(matched.Load()), nil
}

// active is how many files the state lists with a version or being
// written; st.mu is held.
func (st *State) active() int {
	n := 0
	for _, rec := range st.data.Files {
		if !rec.Sum.IsZero() || !rec.Key.IsZero() || rec.Pending {
			n++
		}
	}
	return n
}

// dropRefused removes the state file this State refused, and the list of
// files being written beside it, before the run writes anything.
func (st *State) dropRefused(t Target) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.refused {
		return nil
	}
	for _, name := range []string{st.name, st.name + pendingSuffix, st.name + logSuffix} {
		if err := t.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("publish: removing the state refused: %w", err)
		}
	}
	st.refused = false
	return nil
}

// inSlices calls fn on slices [lo, hi) of [0, n), one per core.
func inSlices(n int, fn func(lo, hi int)) {
	k := runtime.GOMAXPROCS(0)
	parallel.For(k, k, func(c int) bool { fn(n*c/k, n*(c+1)/k); return true })
}

// witness is a file every site has: if it does not hold the bytes the
// state says, the folder was emptied or replaced (rm -rf public/* leaves
// the dot-files), and none of the state's files is trusted.
const witness = "index.html"

// checkOutput marks every file pending unless the witness holds the bytes
// the state says.
func (st *State) checkOutput(t Target) {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.data.Files[witness]
	if !ok || rec.Sum.IsZero() {
		return
	}
	if body, err := t.ReadFile(witness); err == nil && fileSum(body) == rec.Sum {
		return
	}
	for name, r := range st.data.Files {
		if !r.Sum.IsZero() {
			r.Pending = true
			st.data.Files[name] = r
		}
	}
	st.delta.all = true // every file: the base, written again
	st.pub = pubDelta{all: true}
	st.clean = false
}

// changed reports whether the file name must be written with body, whose
// digest is sum: its bytes are not those the state knows it holds.
func (st *State) changed(name string, sum Digest) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.data.Files[name]
	return !ok || rec.Pending || rec.Sum != sum
}

// record notes that the file name holds the bytes whose digest is sum,
// made from key, and written now if wrote: their Last-Modified, which
// it returns, is when they last changed: monotonic, and later than
// the last one when they changed.
func (st *State) record(name string, sum Digest, key string, wrote bool, now time.Time) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	rec, ok := st.data.Files[name]
	next := FileRecord{Sum: sum, Key: digestOf(key), Changed: rec.Changed}
	if !ok || rec.Sum != sum || wrote {
		next.Changed = nanosOf(bump(rec.Changed.Time(), now))
	}
	if next != rec {
		st.fileChanged(name)
		st.data.Files[name] = next
		st.dirty = true
	}
	return next.Changed.Time()
}

// nextChange is the Last-Modified that record gives the file name if its
// bytes are written now.
func (st *State) nextChange(name string, now time.Time) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	return bump(st.data.Files[name].Changed.Time(), now)
}

// bump is the Last-Modified of bytes that changed at now, the last ones
// having changed at last: now to the second, and never at or before last,
// so that a client holding the last ones always gets the new ones.
func bump(last, now time.Time) time.Time {
	t := now.UTC().Truncate(time.Second)
	if !t.After(last) {
		t = last.Add(time.Second)
	}
	return t
}

// Modified returns the Last-Modified of the published file name: when its
// bytes last changed; zero if the state has no such file.
func (st *State) Modified(name string) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.data.Files[name].Changed.Time()
}

// modTimer is a Target whose files have modification times, set to when
// their bytes last changed, as a web server serving them tells.
type modTimer interface {
	setModTime(name string, t time.Time) error
}

// Stamp returns the Last-Modified of the file name whose bytes have the
// digest (or ETag) sum, as of now: when they last changed (see record).
// It is feedhttp.Stamper, for a server that publishes no files but keeps
// its times across restarts.
func (st *State) Stamp(name, sum string, now time.Time) time.Time {
	return st.record(name, digestOf(sum), "", false, now)
}

// SaveDir saves the state into the folder dir if it exists (see Save),
// and reports whether it does.
func (st *State) SaveDir(dir string) (bool, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return false, nil
	}
	d, err := OpenDir(dir)
	if err != nil {
		return true, err
	}
	defer d.Close()
	return true, st.Save(d)
}

// A Published is one file the state says a folder holds: its name in the
// folder, its URL path, the digest of its bytes and when they last changed
// (the file's modification time, set when it was written).
type Published struct {
	Name, Path string
	Sum        Digest
	Changed    time.Time
}

// Published lists the files the state knows the folder holds, as of the
// last Write: none whose writing a killed run may have left half done.
func (st *State) Published() []Published {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Published, 0, len(st.data.Files))
	for name, r := range st.data.Files {
		if !r.Sum.IsZero() && !r.Pending {
			out = append(out, Published{Name: name, Path: URLPath(name), Sum: r.Sum, Changed: r.Changed.Time()})
		}
	}
	return out
}

// URLPath is the URL path of the file name of a folder (see fileName):
// index.html is its folder's page.
func URLPath(name string) string {
	if name == witness {
		return "/"
	}
	if dir, ok := strings.CutSuffix(name, "/"+witness); ok {
		return "/" + dir + "/"
	}
	return "/" + name
}

// Posts is how many post files the state remembers.
func (st *State) Posts() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.data.Posts)
}
