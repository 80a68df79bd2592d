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
)

// walker finds the post files under a folder.
type walker struct {
	realRoot string
	site     *Site           // which folders and files of a site hold posts
	visited  map[string]bool // real paths of folders already walked: link loops end
	files    []found
	problems []*Problem
}

func (w *walker) walk(dir, rel string) {
	w.visited[dir] = true
	root, entries, err := readDir(dir)
	if err != nil {
		w.problems = append(w.problems, &Problem{Path: relOrDot(rel), Msg: err.Error()})
		return
	}
	defer root.Close()
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
			w.walk(abs, r)
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
	w.files = append(w.files, statAll(root, posts)...)
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

// statAll fills in the FileInfo of the files of the folder dir, on all
// cores, and returns those still there.
func statAll(dir *os.File, files []found) []found {
	k := min(runtime.GOMAXPROCS(0), len(files)/256+1)
	fd := dir.Fd()
	var wg sync.WaitGroup
	for c := range k {
		part := files[len(files)*c/k : len(files)*(c+1)/k]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range part {
				part[i].info, _ = lstatAt(dir, fd, path.Base(part[i].rel))
			}
		}()
	}
	wg.Wait()
	return slices.DeleteFunc(files, func(f found) bool { return f.info == nil }) // removed since ReadDir
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
			w.walk(target, rel)
		}
	case info.Mode().IsRegular() && IsPostFile(path.Base(rel)):
		w.files = append(w.files, found{rel: rel, abs: target, info: info})
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
