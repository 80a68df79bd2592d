package publish

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"golang.org/x/sync/errgroup"

	"feedpub/feed"
)

// manifestName is the file in which WriteDir lists what it wrote, so that
// a later WriteDir deletes only files of its own.
const manifestName = ".feedpub-manifest"

// Options tune WriteDir.
type Options struct {
	Gzip bool // also write name.gz beside each file, for servers' gzip_static
}

// tmpPrefix starts the names of WriteDir's temporary files. A run killed
// half way may leave some; the next run removes them.
const tmpPrefix = ".feedpub-tmp-"

// WriteDir writes site s into dir: each file atomically (a temporary file
// renamed over the old one, so a reader or a crash sees the old file or the
// new, never half of one); a file whose bytes are unchanged is left alone.
// Files an earlier WriteDir wrote that the site no longer has are removed;
// nothing else in dir is touched. Every file operation goes through an
// os.Root, so no name and no symbolic link can take it outside dir. It
// returns how many files it wrote.
func WriteDir(s *feed.Site, dir string, opt Options) (int, error) {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	defer root.Close()

	paths := s.Paths()
	files := make([]string, len(paths))
	names := make([]string, 0, len(paths)*2)
	for i, p := range paths {
		if files[i], err = fileName(p); err != nil {
			return 0, err
		}
		names = append(names, files[i])
		if opt.Gzip {
			names = append(names, files[i]+".gz")
		}
	}
	sort.Strings(names)
	keep := func(n string) bool { _, ok := slices.BinarySearch(names, n); return ok }

	// Before writing a file, list it in the manifest beside every file of
	// earlier runs: a run killed half way leaves a manifest naming all it
	// may have written, so the next run can remove what it no longer needs.
	old := readManifest(root)
	union := append([]string(nil), names...)
	for _, n := range old {
		if !keep(n) {
			union = append(union, n)
		}
	}
	sort.Strings(union)
	if len(union) != len(old) {
		if _, err := writeAtomic(root, manifestName, manifestBody(union), false); err != nil {
			return 0, err
		}
	}

	// Pages of posts are made here, one at a time per core, and dropped
	// once written: the site never holds them all.
	w := &dirWriter{root: root, dirs: map[string]bool{}}
	var written atomic.Int64
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range paths {
		g.Go(func() error {
			body, err := s.Body(paths[i])
			if err != nil {
				return err
			}
			n, err := w.write(files[i], body)
			written.Add(int64(n))
			if err != nil || !opt.Gzip {
				return err
			}
			n, err = w.write(files[i]+".gz", gzipBytes(body))
			written.Add(int64(n))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return int(written.Load()), err
	}
	// A killed run's temporary files can only be in the folders of the
	// files its manifest named.
	folders := map[string]bool{".": true}
	for _, n := range old {
		if _, err := fileName("/" + n); err == nil {
			folders[path.Dir(n)] = true
		}
	}
	removeStaleTemps(root, folders, start)
	for _, n := range old {
		if keep(n) {
			continue
		}
		if _, err := fileName("/" + n); err != nil || n == manifestName { // a manifest edited by hand
			continue
		}
		if err := root.Remove(n); err == nil {
			removeEmptyParents(root, path.Dir(n))
		}
	}
	if _, err := writeAtomic(root, manifestName, manifestBody(names), false); err != nil {
		return int(written.Load()), err
	}
	return int(written.Load()), nil
}

// dirWriter writes files into a root from many goroutines, making each
// folder once. A folder it made holds no file of an earlier run, so its
// files are written without reading what was there.
type dirWriter struct {
	root *os.Root
	mu   sync.Mutex
	dirs map[string]bool // made or found; true if made by this run
}

func (w *dirWriter) write(name string, body []byte) (int, error) {
	dir := path.Dir(name)
	if dir == "." {
		changed, err := writeAtomic(w.root, name, body, false)
		return b2i(changed), err
	}
	made, err := w.folder(dir)
	if err != nil {
		return 0, err
	}
	sub, err := w.root.OpenRoot(dir)
	if err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	defer sub.Close()
	changed, err := writeAtomic(sub, path.Base(name), body, made)
	if err != nil {
		return 0, fmt.Errorf("feed: writing %s: %w", name, err)
	}
	return b2i(changed), nil
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
		return false, fmt.Errorf("feed: %w", err)
	}
	w.mu.Lock()
	if was, ok := w.dirs[dir]; ok { // another goroutine got there first
		made = was
	}
	w.dirs[dir] = made
	w.mu.Unlock()
	return made, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func manifestBody(names []string) []byte {
	return []byte(strings.Join(names, "\n") + "\n")
}

// fileName maps a URL path to a slash path under the output folder: pages
// ending in "/" become index.html. It refuses anything that could leave the
// folder, and the names of WriteDir's own manifest and temporary files.
func fileName(urlPath string) (string, error) {
	name := strings.TrimPrefix(urlPath, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") || len(seg) > 255 ||
			seg == manifestName || strings.HasPrefix(seg, tmpPrefix) || strings.IndexFunc(seg, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("feed: refusing to write %q: not a plain path inside the output folder", urlPath)
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", fmt.Errorf("feed: refusing to write %q: not inside the output folder", urlPath)
	}
	return name, nil
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
			return false, fmt.Errorf("feed: %w", err)
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
			return false, fmt.Errorf("feed: %w", err)
		}
	}
	if tmp == nil {
		return false, fmt.Errorf("feed: no free temporary name in %s", dir)
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
		return false, fmt.Errorf("feed: writing %s: %w", name, err)
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

func readManifest(root *os.Root) []string {
	data, err := root.ReadFile(manifestName)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
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

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
