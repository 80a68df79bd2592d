package publish

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"feedpub/feed"
	"feedpub/internal/compress"
	"feedpub/internal/parallel"
)

// manifestName is the file in which WriteDir lists what it wrote, so that
// a later WriteDir deletes only files of its own.
const manifestName = ".feedpub-manifest"

// Options tune WriteDir.
type Options struct {
	Gzip bool // also write name.gz beside each file, for servers' gzip_static
	// Context, when done, stops the writing between two files: Write
	// returns its error, and the files not written keep their old version.
	Context context.Context
	// State, when set, is what Write remembers of t between runs (see
	// State): files whose key or bytes are those it lists are neither
	// made nor written, the ones written get as modification time when
	// their bytes last changed, and Write saves it. Now is when.
	State *State
	Now   time.Time
	// Siblings are the suffixes (".gz", ".br") of files that another
	// writer makes beside each file from its bytes (serve's compressor,
	// Packer): removed before it is written again, so that no server sends
	// a sibling of old bytes beside new ones. (A file Write removes from a
	// folder takes its SiblingExts with it, whatever the options.)
	Siblings []string
	// Defer, when set with a State, leaves for later (WritePaths) the
	// files of the paths it names that the state holds no version of:
	// listed in the manifest, not written now.
	Defer func(p string) bool
}

// tmpPrefix starts the names of WriteDir's temporary files. A run killed
// half way may leave some; the next run removes them.
const tmpPrefix = ".feedpub-tmp-"

// A Target is where a site is published: a folder (Dir), and next an
// object store's bucket. Names are slash paths inside it, as fileName
// makes them.
type Target interface {
	// ReadFile returns the bytes stored under name, or an error (one that
	// wraps fs.ErrNotExist when there are none).
	ReadFile(name string) ([]byte, error)
	// WriteFile stores body under name atomically (a reader sees the old
	// bytes or the new, never part of them), unless it holds body already,
	// and reports whether it wrote.
	WriteFile(name string, body []byte) (bool, error)
	// Remove deletes what is stored under name.
	Remove(name string) error
}

// sweeper is a Target that can be left with debris by a run killed half
// way (a folder: temporary files); sweep removes what such runs left
// beside the names an earlier run listed.
type sweeper interface {
	sweep(listed []string)
}

// A holder is a Target that tells cheaply whether it holds a file, even
// one that no manifest lists or one that a manifest lists but a run killed
// or failed half way never wrote. Write asks it which files are new, to
// write them before the files that may link to them.
type holder interface {
	holds(name string) bool
}

// A tidier is a Target that makes things of its own for the files it
// writes (a folder: folders); tidy removes those that a failed run left
// empty.
type tidier interface {
	tidy()
}

// WriteDir writes site s into the folder dir (see Write and Dir): every
// file operation stays inside dir: no name and no symbolic link can take
// it outside. It returns how many files it wrote.
func WriteDir(s *feed.Site, dir string, opt Options) (int, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	return Write(s, d, opt)
}

// Write publishes site s to t: each file atomically; a file whose bytes
// are unchanged is left alone. Files an earlier Write listed in the
// manifest that the site no longer has are removed; nothing else in t is
// touched. It returns how many files it wrote.
func Write(s *feed.Site, t Target, opt Options) (int, error) {
	paths := s.Paths()
	files, names, err := siteFiles(paths, opt.Gzip)
	if err != nil {
		return 0, err
	}

	// Before writing a file, list it in the manifest beside every file of
	// earlier runs: a run killed half way leaves a manifest naming all it
	// may have written, so the next run can remove what it no longer needs.
	old := opt.State.manifest(t)
	gone := missing(names, old)
	if len(names)+len(gone) != len(old) {
		union := append(slices.Clone(names), gone...)
		slices.Sort(union)
		if err := opt.State.writeManifest(t, union); err != nil {
			return 0, err
		}
	}
	wpaths, wfiles := paths, files
	deferred := false // files left for later: so is the content of posts in their feeds (KeepContent)
	if opt.State != nil {
		todo, err := opt.State.plan(s, t, paths, files)
		if err != nil {
			return 0, err
		}
		all := len(todo)
		todo = opt.State.undeferred(todo, paths, files, opt.Defer)
		deferred = len(todo) < all
		wpaths, wfiles = pick(paths, todo), pick(files, todo)
	}
	n, err := writeFiles(s, t, wpaths, wfiles, old, opt)
	if err != nil {
		return n, err
	}
	if sw, ok := t.(sweeper); ok && (opt.State == nil || !opt.State.clean) {
		sw.sweep(old)
	} else if ok {
		// A clean state's run finished, and swept, but for the files
		// written before the list of those being written: a run killed
		// as it wrote the manifest or that list leaves its temporary
		// file in the root or the state's folder alone.
		sw.sweep(nil)
	}
	for _, name := range gone {
		if _, err := fileName("/" + name); err != nil || name == manifestName { // a manifest edited by hand
			continue
		}
		for _, ext := range siblingsOf(t, opt) { // first: none outlives its file
			t.Remove(name + ext)
		}
		t.Remove(name)
	}
	if !slices.Equal(names, old) { // not read and compared again: 4 MB at 100k
		if err := opt.State.writeManifest(t, names); err != nil {
			return n, err
		}
	}
	if opt.State != nil {
		opt.State.keepRemovals(s)
		if b := opt.State.bodies; b != nil && !deferred {
			if err := b.keep(s, t); err != nil {
				return n, err
			}
		}
		return n, opt.State.saveFinished(t)
	}
	return n, nil
}

// pick is the elements of list at the indexes at.
func pick(list []string, at []int) []string {
	out := make([]string, len(at))
	for k, i := range at {
		out[k] = list[i]
	}
	return out
}

// writeFiles writes the file of each path (at the name in files), and its
// gzip with opt.Gzip, on all cores, old being the names an earlier run
// listed. Pages of posts are made here, one at a time per core, and
// dropped once written: the site never holds them all.
//
// Files new to the target are written first, then the files that were
// there: a link from a file that was there to one that was not (a new
// category's feed from index.html) is written only once its target is.
// Files the site no longer has go last (Write), once nothing links to
// them. A run that fails while writing new files removes those it wrote,
// leaving the files that were there as they were; one that fails later
// keeps them, since files that were there may link to them by then.
func writeFiles(s *feed.Site, t Target, paths, files, old []string, opt Options) (int, error) {
	fresh, known := splitNew(t, files, old)
	var written atomic.Int64
	created := make([]bool, len(paths)) // new files this run wrote
	for phase, todo := range [][]int{fresh, known} {
		todo = postPagesFirst(s, paths, todo)
		workers, jobs := runtime.GOMAXPROCS(0), folderJobs(files, todo)
		if p, ok := t.(interface{ parallel() int }); ok { // a bucket: uploads wait on the network
			workers, jobs = p.parallel(), oneEach(todo)
		}
		err := runJobs(workers, jobs, func(i int) error {
			if opt.Context != nil && opt.Context.Err() != nil {
				return fmt.Errorf("publish: %w", opt.Context.Err())
			}
			n, err := writeFile(s, t, paths[i], files[i], opt)
			written.Add(int64(n))
			created[i] = phase == 0 && n > 0
			return err
		})
		if err != nil {
			for i, c := range created {
				if c && phase == 0 { // no file that was there links to it yet
					t.Remove(files[i])
					if opt.Gzip {
						t.Remove(files[i] + ".gz")
					}
				}
			}
			if td, ok := t.(tidier); ok {
				td.tidy()
			}
			return int(written.Load()), err
		}
	}
	return int(written.Load()), nil
}

// folderJobs parts todo (indexes of files) into the jobs of writeFiles'
// writers: the files of one folder together, in their order, the folders
// in the order of their first file. The feeds of a channel, which share a
// folder, are made together (feed.Site.Body): written by one writer, one
// after the other, rather than by several of which all but one wait for
// the first (a cold build of 10,000 posts: 2 writers wrote its 600 feeds
// at about the speed of one).
func folderJobs(files []string, todo []int) [][]int {
	jobs := make([][]int, 0, len(todo))
	at := make(map[string]int, len(todo)) // by folder: its job
	for _, i := range todo {
		dir := path.Dir(files[i])
		if j, ok := at[dir]; ok {
			jobs[j] = append(jobs[j], i)
			continue
		}
		at[dir] = len(jobs)
		jobs = append(jobs, []int{i})
	}
	return jobs
}

// runJobs runs do on each index of each job, on workers goroutines that
// each take the next job when done with one (parallel.For). The first
// error stops the taking of jobs, and is returned once every worker is
// done.
func runJobs(workers int, jobs [][]int, do func(i int) error) error {
	var first error
	var once sync.Once
	parallel.For(workers, len(jobs), func(j int) bool {
		for _, i := range jobs[j] {
			if err := do(i); err != nil {
				once.Do(func() { first = err })
				return false
			}
		}
		return true
	})
	return first
}

// oneEach is todo as jobs of one file each.
func oneEach(todo []int) [][]int {
	jobs := make([][]int, len(todo))
	for k, i := range todo {
		jobs[k] = []int{i}
	}
	return jobs
}

// postPagesFirst is todo (indexes of paths) with the pages of posts
// first, each part in its order: see feed.Site.PostPage.
func postPagesFirst(s *feed.Site, paths []string, todo []int) []int {
	out := make([]int, 0, len(todo))
	var rest []int
	for _, i := range todo {
		if s.PostPage(paths[i]) {
			out = append(out, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(out, rest...)
}

// splitNew parts the indexes of files into those new to t and those it
// holds. A holder is asked; for another Target, the files that an earlier
// run listed (old) count as there.
func splitNew(t Target, files, old []string) (fresh, known []int) {
	var there func(name string) bool
	if h, ok := t.(holder); ok {
		there = h.holds
	} else {
		listed := make(map[string]bool, len(old))
		for _, n := range old {
			listed[n] = true
		}
		there = func(name string) bool { return listed[name] }
	}
	for i, name := range files {
		if there(name) {
			known = append(known, i)
		} else {
			fresh = append(fresh, i)
		}
	}
	return fresh, known
}

// writeFile writes the file of the site's path p as name (and name.gz),
// and returns how many files it wrote.
//
// A folder is done with the bytes it is given once WriteFile returns (it
// keeps no slice of them; nor does the state, which keeps their digest,
// nor compress.Gzip): for a folder the body is taken to be given back
// (feed.Site.TakeBody), and the next file made in its buffer. Any other
// Target may keep what it is given (a bucket hands the bytes to an upload
// that outlives the call): its bodies are made for it alone.
func writeFile(s *feed.Site, t Target, p, name string, opt Options) (int, error) {
	if _, done := t.(*Dir); !done {
		body, err := s.Body(p)
		if err != nil {
			return 0, err
		}
		return writeBody(s, t, p, name, body, opt)
	}
	body, err := s.TakeBody(p)
	if err != nil {
		return 0, err
	}
	defer body.Release()
	return writeBody(s, t, p, name, body.Bytes, opt)
}

// writeBody is writeFile with the file's bytes, body.
func writeBody(s *feed.Site, t Target, p, name string, body []byte, opt Options) (int, error) {
	st, sum := opt.State, Digest{}
	if st != nil {
		if sum = fileSum(body); !st.changed(name, sum) {
			st.record(name, sum, s.Key(p), false, opt.Now)
			return 0, nil
		}
	}
	for _, ext := range opt.Siblings {
		t.Remove(name + ext) // none is fine
	}
	// A target that can gives a file its modification time as it writes
	// it: the time the state records of bytes written now.
	tw, timed := t.(timedWriter)
	timed = timed && st != nil
	var mod time.Time
	if timed {
		mod = st.nextChange(name, opt.Now)
	}
	write := func(name string, body []byte) (bool, error) {
		if timed {
			return tw.writeFileAt(name, body, mod)
		}
		return t.WriteFile(name, body)
	}
	var wrote [2]bool // name, name.gz
	var err error
	wrote[0], err = write(name, body)
	if err == nil && opt.Gzip {
		wrote[1], err = write(name+".gz", compress.Gzip(body))
	}
	n := b2i(wrote[0]) + b2i(wrote[1])
	if err != nil || st == nil {
		return n, err
	}
	mod = st.record(name, sum, s.Key(p), n > 0, opt.Now)
	// Set even when the file held these bytes already (a run killed after
	// writing it): its time is the state's, which servers send. A file a
	// timedWriter wrote has it already.
	if mt, ok := t.(modTimer); ok {
		if !timed || !wrote[0] {
			mt.setModTime(name, mod)
		}
		if opt.Gzip && (!timed || !wrote[1]) {
			mt.setModTime(name+".gz", mod)
		}
	}
	return n, nil
}

// A timedWriter is a Target that gives a file it writes a modification
// time before the file takes its name: a reader never sees the new bytes
// with another time, and no second call sets it.
type timedWriter interface {
	// writeFileAt is WriteFile, the file written getting mod as its
	// modification time.
	writeFileAt(name string, body []byte, mod time.Time) (bool, error)
}

// siblingsOf is the suffixes of the siblings of a file of t that go with
// it: a folder's may have been made by serve's Packer.
func siblingsOf(t Target, opt Options) []string {
	if _, ok := t.(modTimer); ok {
		return SiblingExts
	}
	return opt.Siblings
}

// fileName maps a URL path to a slash path under the output folder: pages
// ending in "/" become index.html. It refuses anything that could leave the
// folder, and the names of WriteDir's own manifest and temporary files.
func fileName(urlPath string) (string, error) {
	name := strings.TrimPrefix(urlPath, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	for rest, more := name, true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") || len(seg) > 255 ||
			seg == manifestName || len(seg)+1 == len(stateDir) && seg+"/" == stateDir || strings.HasPrefix(seg, tmpPrefix) ||
			strings.IndexFunc(seg, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("publish: refusing to write %q: not a plain path inside the output folder", urlPath)
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", fmt.Errorf("publish: refusing to write %q: not inside the output folder", urlPath)
	}
	return name, nil
}
