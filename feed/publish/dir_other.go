//go:build !linux || osroot

package publish

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// A Dir is a folder as a Target. It writes each file through a temporary
// file in the same folder and a rename, and every file operation goes
// through an os.Root, so no name and no symbolic link can take it outside
// the folder. It is safe for concurrent use. (On Linux, dir_linux.go
// writes relative to held folder descriptors instead; -tags osroot keeps
// this one.)
type Dir struct {
	root  *os.Root
	start time.Time // when it was opened: older temporary files are a killed run's
	w     *dirWriter
}

// OpenDir opens the folder dir as a Target, making it if need be.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return &Dir{root: root, start: time.Now(), w: &dirWriter{root: root, dirs: map[string]bool{}}}, nil
}

// Close releases the folder.
func (d *Dir) Close() error { return d.root.Close() }

// ReadFile returns the bytes of the file name.
func (d *Dir) ReadFile(name string) ([]byte, error) { return d.root.ReadFile(name) }

// WriteFile replaces the file name with body, atomically, unless it holds
// body already; it makes the folders on the way.
func (d *Dir) WriteFile(name string, body []byte) (bool, error) { return d.w.write(name, body) }

// writeAt writes b into the file name at offset at, the file cut there
// first (appender): what a torn write left after at goes.
func (d *Dir) writeAt(name string, at int64, b []byte) error {
	f, err := d.root.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Truncate(at)
	if err == nil {
		_, err = f.WriteAt(b, at)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Remove removes the file name, and the folders it leaves empty.
func (d *Dir) Remove(name string) error {
	if err := d.root.Remove(name); err != nil {
		return err
	}
	removeEmptyParents(d.root, path.Dir(name))
	d.w.forget(path.Dir(name))
	return nil
}

// makeFolder makes the folder dir and those on the way, unless made or
// found before.
func (d *Dir) makeFolder(dir string) error {
	_, err := d.w.folder(dir)
	return err
}

// holds reports whether the folder has a file at name: anything but a
// folder or a sure "not there" counts.
func (d *Dir) holds(name string) bool {
	info, err := d.root.Lstat(name)
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	return !info.IsDir()
}

// tidy removes the folders made by this Dir that are empty, such as the
// folder of a new post whose page could not be written.
func (d *Dir) tidy() {
	d.w.mu.Lock()
	defer d.w.mu.Unlock()
	var made []string
	for dir, m := range d.w.dirs {
		if m {
			made = append(made, dir)
		}
	}
	slices.Sort(made)
	for _, dir := range slices.Backward(made) { // a folder after those inside it
		if d.root.Remove(dir) == nil {
			delete(d.w.dirs, dir)
		}
	}
}

// sweep removes the temporary files that a killed run left: they can only
// be in the folders of the files its manifest listed, the root (the
// manifest's) and the state's folder.
func (d *Dir) sweep(listed []string) {
	folders := map[string]bool{".": true, path.Clean(stateDir): true}
	for _, n := range listed {
		if _, err := fileName("/" + n); err == nil {
			folders[path.Dir(n)] = true
		}
	}
	removeStaleTemps(d.root, folders, d.start)
}

// dirWriter writes files into a root from many goroutines, making each
// folder once. A folder it made holds no file of an earlier run, so its
// files are written without reading what was there.
type dirWriter struct {
	root *os.Root
	mu   sync.Mutex
	dirs map[string]bool // made or found; true if made by this run
}

func (w *dirWriter) write(name string, body []byte) (bool, error) {
	dir := path.Dir(name)
	root, made := w.root, false
	if dir != "." {
		var err error
		if made, err = w.folder(dir); err != nil {
			return false, err
		}
		if root, err = w.root.OpenRoot(dir); err != nil {
			return false, fmt.Errorf("publish: %w", err)
		}
		defer root.Close()
	}
	changed, err := writeAtomic(root, path.Base(name), body, made)
	if err != nil {
		return false, fmt.Errorf("publish: writing %s: %w", name, err)
	}
	return changed, nil
}

// folder makes dir unless made or found before, and reports whether this
// run made it.
func (w *dirWriter) folder(dir string) (bool, error) {
	w.mu.Lock()
	made, ok := w.dirs[dir]
	w.mu.Unlock()
	if ok {
		return made, nil
	}
	err := w.root.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrNotExist) {
		if err = w.root.MkdirAll(path.Dir(dir), 0o755); err == nil {
			err = w.root.Mkdir(dir, 0o755)
		}
	}
	switch {
	case err == nil:
		made = true
	case errors.Is(err, fs.ErrExist):
		made = false
	default:
		return false, fmt.Errorf("publish: %w", err)
	}
	w.mu.Lock()
	if was, ok := w.dirs[dir]; ok { // another goroutine got there first
		made = was
	}
	w.dirs[dir] = made
	w.mu.Unlock()
	return made, nil
}

// forget drops dir and the folders holding it from the folders made or
// found: they may have been removed.
func (w *dirWriter) forget(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ; dir != "." && dir != "/" && dir != ""; dir = path.Dir(dir) {
		delete(w.dirs, dir)
	}
}

// writeAtomic replaces name (a slash path inside root) with body through a
// temporary file in the same folder and a rename. It reports false,
// writing nothing, when the file already holds body; fresh says there is
// no file to compare with.
func writeAtomic(root *os.Root, name string, body []byte, fresh bool) (bool, error) {
	if !fresh {
		if old, err := root.ReadFile(name); err == nil && bytes.Equal(old, body) {
			return false, nil
		}
	}
	dir := path.Dir(name)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
	}
	var tmp *os.File
	var tmpName string
	for range 10 {
		var r [8]byte
		rand.Read(r[:])
		tmpName = path.Join(dir, tmpPrefix+hex.EncodeToString(r[:]))
		f, err := root.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			tmp = f
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return false, err
		}
	}
	if tmp == nil {
		return false, fmt.Errorf("no free temporary name in %s", dir)
	}
	_, err := tmp.Write(body)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmpName, name)
	}
	if err != nil {
		root.Remove(tmpName)
		return false, err
	}
	return true, nil
}

// removeStaleTemps removes the temporary files that an earlier, killed run
// left in folders: those named with tmpPrefix and older than this run.
func removeStaleTemps(root *os.Root, folders map[string]bool, start time.Time) {
	for dir := range folders {
		f, err := root.Open(dir)
		if err != nil {
			continue
		}
		entries, _ := f.ReadDir(-1)
		f.Close()
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), tmpPrefix) || !e.Type().IsRegular() {
				continue
			}
			if info, err := e.Info(); err == nil && info.ModTime().Before(start) {
				root.Remove(path.Join(dir, e.Name()))
			}
		}
	}
}

// removeEmptyParents removes empty folders from dir (a slash path inside
// root) up to, not including, root itself.
func removeEmptyParents(root *os.Root, dir string) {
	for dir != "." && dir != "/" && dir != "" {
		if root.Remove(dir) != nil { // not empty, or gone
			return
		}
		dir = path.Dir(dir)
	}
}

// Forget lets go of what d remembers of folders not open now: nothing
// here, where os.Root finds each folder again.
func (d *Dir) Forget() {}
