package loader

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

type walker struct {
	realRoot string
	visited  map[string]bool // real paths of folders already walked: link loops end
	files    []found
	problems []*Problem
}

func (w *walker) walk(dir, rel string) {
	w.visited[dir] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.problems = append(w.problems, &Problem{Path: relOrDot(rel), Msg: err.Error()})
		return
	}
	for _, e := range entries {
		name := e.Name()
		if Ignored(name) {
			continue
		}
		abs := filepath.Join(dir, name)
		r := path.Join(rel, name)
		if e.Type()&fs.ModeSymlink != 0 {
			w.link(abs, r)
			continue
		}
		if e.IsDir() {
			w.walk(abs, r)
			continue
		}
		if !e.Type().IsRegular() || !IsPostFile(name) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed since ReadDir
		}
		w.files = append(w.files, found{rel: r, abs: abs, info: info})
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
	case info.IsDir():
		if !w.visited[target] {
			w.walk(target, rel)
		}
	case info.Mode().IsRegular() && IsPostFile(path.Base(rel)):
		w.files = append(w.files, found{rel: rel, abs: target, info: info})
	}
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
