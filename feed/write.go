package feed

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// manifestName is the file in which WriteDir lists what it wrote, so that
// a later WriteDir deletes only files of its own.
const manifestName = ".feedpub-manifest"

// WriteOptions tune WriteDir.
type WriteOptions struct {
	Gzip bool // also write name.gz beside each file, for servers' gzip_static
}

// WriteDir writes the site into dir: each file atomically (a temporary file
// renamed over the old one, so a reader or a crash sees the old file or the
// new, never half of one); a file whose bytes are unchanged is left alone.
// Files an earlier WriteDir wrote that the site no longer has are removed;
// nothing else in dir is touched. It returns how many files it wrote.
func (s *Site) WriteDir(dir string, opt WriteOptions) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("feed: %w", err)
	}
	old := readManifest(dir)
	var names []string
	written := 0
	for _, p := range s.Paths() {
		f := s.Files[p]
		name, err := fileName(p)
		if err != nil {
			return written, err
		}
		outs := []struct {
			name string
			body []byte
		}{{name, f.Body}}
		if opt.Gzip {
			if f.Gzip == nil {
				f.Gzip = gzipBytes(f.Body)
			}
			outs = append(outs, struct {
				name string
				body []byte
			}{name + ".gz", f.Gzip})
		}
		for _, o := range outs {
			names = append(names, o.name)
			changed, err := writeAtomic(filepath.Join(dir, filepath.FromSlash(o.name)), o.body)
			if err != nil {
				return written, err
			}
			if changed {
				written++
			}
		}
	}
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
	}
	for _, n := range old {
		if keep[n] {
			continue
		}
		if _, err := fileName("/" + n); err != nil { // a manifest edited by hand
			continue
		}
		full := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.Remove(full); err == nil {
			removeEmptyParents(dir, filepath.Dir(full))
		}
	}
	sort.Strings(names)
	if _, err := writeAtomic(filepath.Join(dir, manifestName), []byte(strings.Join(names, "\n")+"\n")); err != nil {
		return written, err
	}
	return written, nil
}

// fileName maps a URL path to a slash path under the output folder: pages
// ending in "/" become index.html. It refuses anything that could leave the
// folder.
func fileName(urlPath string) (string, error) {
	name := strings.TrimPrefix(urlPath, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00") || len(seg) > 255 {
			return "", fmt.Errorf("feed: refusing to write %q: not a plain path inside the output folder", urlPath)
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", fmt.Errorf("feed: refusing to write %q: not inside the output folder", urlPath)
	}
	return name, nil
}

// writeAtomic replaces name with body through a temporary file in the same
// folder and a rename. It reports false, writing nothing, when the file
// already holds body.
func writeAtomic(name string, body []byte) (bool, error) {
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, body) {
		return false, nil
	}
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("feed: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return false, fmt.Errorf("feed: %w", err)
	}
	_, err = tmp.Write(body)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return false, fmt.Errorf("feed: writing %s: %w", name, err)
	}
	return true, nil
}

func readManifest(dir string) []string {
	f, err := os.Open(filepath.Join(dir, manifestName))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// removeEmptyParents removes empty folders from dir up to (not including)
// root.
func removeEmptyParents(root, dir string) {
	for dir != root && strings.HasPrefix(dir, root) {
		if os.Remove(dir) != nil { // not empty, or gone
			return
		}
		dir = filepath.Dir(dir)
	}
}
