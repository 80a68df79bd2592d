package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedpub/internal/validate"
)

// TestBuildTombstones: build publishes a deleted post's tombstone in the
// Atom feeds that held it, unless tombstones: 0; a post put back has none.
func TestBuildTombstones(t *testing.T) {
	for _, tc := range []struct {
		config string
		on     bool
	}{{"", true}, {"tombstones: 0\n", false}, {"tombstones: 2d\n", true}} {
		t.Run(strings.TrimSpace(tc.config), func(t *testing.T) {
			base := t.TempDir()
			seeds, out, cfg := filepath.Join(base, "seeds"), filepath.Join(base, "out"), filepath.Join(base, "feedpub.yaml")
			os.MkdirAll(seeds, 0o755)
			os.WriteFile(cfg, []byte(tc.config), 0o644)
			a := []byte("---\ntitle: A\ndate: 2024-01-01 08:00\ncategories: [x]\n---\nA\n")
			os.WriteFile(filepath.Join(seeds, "a.md"), a, 0o644)
			os.WriteFile(filepath.Join(seeds, "b.md"), []byte("---\ntitle: B\ndate: 2024-01-02 08:00\ncategories: [x]\n---\nB\n"), 0o644)
			age(t, seeds, 0)
			buildInto(t, seeds, out, "-config", cfg)
			id := ""
			for _, it := range validate.ParseFile(t, filepath.Join(out, "atom.xml")).Items {
				if it.Title == "A" {
					id = it.GUID
				}
			}
			os.Remove(filepath.Join(seeds, "a.md"))
			buildInto(t, seeds, out, "-config", cfg)
			for _, name := range []string{"atom.xml", "categories/x/atom.xml"} {
				var refs []string
				for _, e := range validate.ParseFile(t, filepath.Join(out, name)).Extensions["at"]["deleted-entry"] {
					refs = append(refs, e.Attrs["ref"])
				}
				if got := len(refs) == 1 && refs[0] == id; got != tc.on || !tc.on && len(refs) > 0 {
					t.Errorf("%s: got tombstones %q; want %s's: %v", name, refs, id, tc.on)
				}
			}
			os.WriteFile(filepath.Join(seeds, "a.md"), a, 0o644)
			buildInto(t, seeds, out, "-config", cfg)
			f := validate.ParseFile(t, filepath.Join(out, "atom.xml"))
			if len(f.Extensions["at"]["deleted-entry"]) != 0 || len(f.Items) != 2 {
				t.Errorf("a back: got %d tombstones and %d entries, want none and 2", len(f.Extensions["at"]["deleted-entry"]), len(f.Items))
			}
		})
	}
}
