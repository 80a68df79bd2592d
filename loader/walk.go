package loader

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// walker finds the post files under a folder.
type walker struct {
	realRoot string
	site     *Site           // which folders and files of a site hold posts
	visited  map[string]bool // real paths of folders already walked: link loops end
	files    []found
	problems []*Problem

	parts []*statPart    // the files found, in walk order
	stats chan statChunk // to the workers that stat them
	open  chan struct{}  // a slot for each folder held open until its files are stat'ed
}

// walk finds the post files under the folder dir (rel relative to the
// root), in name order, the files in a folder's subfolders before its
// own. The files of a folder are stat'ed on all cores while the walk
// lists the next folders: listing is one core's work, and the walk of
// 10,000 posts in 5 folders, which stat'ed each folder's files before
// listing the next, left one of 2 cores idle half of its 20-30 ms.
func (w *walker) walk(dir, rel string) {
	w.stats = make(chan statChunk, maxOpenFolders)
	w.open = make(chan struct{}, maxOpenFolders)
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for c := range w.stats {
				c.stat()
			}
		})
	}
	w.visit(dir, rel)
	close(w.stats)
	workers.Wait()
	for _, p := range w.parts {
		w.files = append(w.files, slices.DeleteFunc(p.files, func(f found) bool { return f.info == nil })...) // removed since listed
	}
	w.parts = nil
}

// maxOpenFolders bounds the folders a walk holds open while their files
// wait to be stat'ed.
const maxOpenFolders = 64

// statChunkSize is how many files of a folder one worker stats at a time.
const statChunkSize = 256

func (w *walker) visit(dir, rel string) {
	w.visited[dir] = true
	root, entries, err := readDir(dir)
	if err != nil {
		w.problems = append(w.problems, &Problem{Path: relOrDot(rel), Msg: err.Error()})
		return
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	leaf := w.site.leafIndex(rel, names)
	var posts []found // stat'ed at the end, relative to root
	for _, e := range entries {
		name := e.Name()
		if Ignored(name) || leaf != "" && name != leaf {
			continue
		}
		abs := dir + string(filepath.Separator) + name
		r := name
		if rel != "" {
			r = rel + "/" + name
		}
		if !w.site.takes(r, e.IsDir()) {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			w.link(abs, r)
			continue
		}
		if e.IsDir() {
			w.visit(abs, r)
			continue
		}
		if !IsPostFile(name) {
			continue
		}
		if !e.Type().IsRegular() {
			w.problems = append(w.problems, notRegular(r, e.Type()))
			continue
		}
		posts = append(posts, found{rel: r, abs: abs})
	}
	w.statAll(root, posts)
}

// readDir opens the folder dir and returns its entries, sorted by name.
func readDir(dir string) (*os.File, []fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return f, entries, nil
}

// statAll has the walk's workers fill in the FileInfo of the files of the
// folder dir, which it closes once they have; those no longer there keep
// none.
func (w *walker) statAll(dir *os.File, files []found) {
	if len(files) == 0 {
		dir.Close()
		return
	}
	w.open <- struct{}{}
	p := &statPart{dir: dir, fd: dir.Fd(), files: files, release: func() { <-w.open }}
	w.parts = append(w.parts, p)
	n := (len(files) + statChunkSize - 1) / statChunkSize
	p.left.Store(int32(n))
	for c := range n {
		w.stats <- statChunk{p, files[c*statChunkSize : min((c+1)*statChunkSize, len(files))]}
	}
}

// A statPart is the files of one folder that the walk found.
type statPart struct {
	dir     *os.File
	fd      uintptr
	files   []found
	left    atomic.Int32 // chunks not stat'ed yet
	release func()
}

// A statChunk is some of the files of a statPart, stat'ed by one worker.
type statChunk struct {
	part  *statPart
	files []found
}

func (c statChunk) stat() {
	for i := range c.files {
		c.files[i].info, _ = lstatAt(c.part.dir, c.part.fd, path.Base(c.files[i].rel))
	}
	if c.part.left.Add(-1) == 0 {
		c.part.dir.Close()
		c.part.release()
	}
}

// link follows a symbolic link that stays inside the seed folder.
func (w *walker) link(abs, rel string) {
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		w.problems = append(w.problems, &Problem{Path: rel, Msg: "broken symbolic link: " + err.Error(), Warn: true})
		return
	}
	if !within(w.realRoot, target) {
		w.problems = append(w.problems, &Problem{Path: rel, Msg: "symbolic link points outside the seed folder: not followed", Warn: true})
		return
	}
	info, err := os.Stat(target)
	if err != nil {
		return
	}
	switch {
	case !w.site.takes(rel, info.IsDir()):
	case info.IsDir():
		if !w.visited[target] {
			w.visit(target, rel)
		}
	case info.Mode().IsRegular() && IsPostFile(path.Base(rel)):
		w.parts = append(w.parts, &statPart{files: []found{{rel: rel, abs: target, info: info}}})
	case IsPostFile(path.Base(rel)):
		w.problems = append(w.problems, notRegular(rel, info.Mode()))
	}
}

// notRegular is the warning for a FIFO, socket or device named like a
// post: never opened (reading a FIFO would wait for a writer for ever).
func notRegular(rel string, mode fs.FileMode) *Problem {
	kind := "not a regular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return &Problem{Path: rel, Msg: kind + ", not a file: skipped", Warn: true}
}

func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

func relOrDot(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

// Ignored reports whether a file or folder name is skipped whatever its
// kind: hidden names and editors' leftovers (x~, .x.swp, #x#).
func Ignored(name string) bool {
	switch {
	case name == "" || strings.HasPrefix(name, "."):
		return true
	case strings.HasSuffix(name, "~"):
		return true
	case strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".swp", ".swo", ".swx", ".tmp", ".bak", ".part", ".crdownload":
		return true
	}
	return false
}

// IsPostFile reports whether a file name is read as a post.
func IsPostFile(name string) bool {
	return !Ignored(name) && extensions[strings.ToLower(path.Ext(name))]
}

// hidden reports whether any part of a relative path is one the walk skips.
func hidden(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if Ignored(part) {
			return true
		}
	}
	return false
}
