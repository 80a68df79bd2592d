package publish

import (
	"fmt"
	"path/filepath"
	"strings"
)

// CheckOut refuses an output folder that build could damage the posts or
// the system with: /, the seed folder, a folder holding it, or one inside it.
func CheckOut(seeds, out string) error {
	if strings.TrimSpace(out) == "" {
		return fmt.Errorf("build: empty output folder")
	}
	s, err1 := filepath.Abs(seeds)
	o, err2 := filepath.Abs(out)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("build: cannot resolve folders %q and %q", seeds, out)
	}
	s, o = resolve(s), resolve(o)
	switch {
	case o == filepath.Dir(o):
		return fmt.Errorf("build: refusing to write into %s", o)
	case o == s:
		return fmt.Errorf("build: output folder %s is the seed folder", out)
	case isWithin(o, s):
		return fmt.Errorf("build: output folder %s contains the seed folder %s", out, seeds)
	case isWithin(s, o):
		return fmt.Errorf("build: output folder %s is inside the seed folder %s (its pages would be read as posts)", out, seeds)
	}
	return nil
}

// isWithin reports whether p is strictly inside dir.
func isWithin(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}

// resolve follows the symbolic links in an absolute path, as far as the
// path exists: an output folder yet to be made inside a link to the seed
// folder is still inside the seed folder.
func resolve(p string) string {
	rest := ""
	for {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}
