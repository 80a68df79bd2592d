package feed

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
)

// manifestName is the file in which WriteDir lists what it wrote, so that
// a later WriteDir deletes only files of its own.
const manifestName = ".feedpub-manifest"

// WriteOptions tune WriteDir.
type WriteOptions struct {
	Gzip bool // also write name.gz beside each file, for servers' gzip_static
}

// tmpPrefix starts the names of WriteDir's temporary files. A run killed
// half way may leave some; the next run removes them.
const tmpPrefix = ".feedpub-tmp-"

// WriteDir writes the site into dir: each file atomically (a temporary file
// renamed over the old one, so a reader or a crash sees the old file or the
// new, never half of one); a file whose bytes are unchanged is left alone.
// Files an earlier WriteDir wrote that the site no longer has are removed;
// nothing else in dir is touched. Every file operation goes through an
// os.Root, so no name and no symbolic link can take it outside dir. It
// returns how many files it wrote.
func (s *Site) WriteDir(dir string, opt WriteOptions) (int, error) {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	defer root.Close()

	type out struct {
		name string
		body []byte
	}
	var outs []out
	for _, p := range s.Paths() {
		f := s.Files[p]
		name, err := fileName(p)
		if err != nil {
			return 0, err
		}
		outs = append(outs, out{name, f.Body})
		if opt.Gzip {
			if f.Gzip == nil {
				f.Gzip = gzipBytes(f.Body)
			}
			outs = append(outs, out{name + ".gz", f.Gzip})
		}
	}
	names := make([]string, len(outs))
	keep := make(map[string]bool, len(outs))
	for i, o := range outs {
		names[i] = o.name
		keep[o.name] = true
	}
	sort.Strings(names)

	// Before writing a file, list it in the manifest beside every file of
	// earlier runs: a run killed half way leaves a manifest naming all it
	// may have written, so the next run can remove what it no longer needs.
	old := readManifest(root)
	union := append([]string(nil), names...)
	for _, n := range old {
		if !keep[n] {
			union = append(union, n)
		}
	}
	sort.Strings(union)
	if len(union) != len(old) {
		if _, err := writeAtomic(root, manifestName, manifestBody(union)); err != nil {
			return 0, err
		}
	}

	written := 0
	for _, o := range outs {
		changed, err := writeAtomic(root, o.name, o.body)
		if err != nil {
			return written, err
		}
		if changed {
			written++
		}
	}
	folders := map[string]bool{".": true}
	for _, n := range union {
		if _, err := fileName("/" + n); err == nil {
			folders[path.Dir(n)] = true
		}
	}
	removeStaleTemps(root, folders, start)
	for _, n := range old {
		if keep[n] {
			continue
		}
		if _, err := fileName("/" + n); err != nil || n == manifestName { // a manifest edited by hand
			continue
		}
		if err := root.Remove(n); err == nil {
			removeEmptyParents(root, path.Dir(n))
		}
	}
	if _, err := writeAtomic(root, manifestName, manifestBody(names)); err != nil {
		return written, err
	}
	return written, nil
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
// writing nothing, when the file already holds body.
func writeAtomic(root *os.Root, name string, body []byte) (bool, error) {
	if old, err := root.ReadFile(name); err == nil && bytes.Equal(old, body) {
		return false, nil
	}
	dir := path.Dir(name)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("feed: %w", err)
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
