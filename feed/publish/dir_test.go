package publish

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// twoSites are a site and the same site with every title changed, so that
// every file's bytes change between them.
func twoSites(t *testing.T) (first, second *feed.Site) {
	t.Helper()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := feed.Config{URL: "https://example.com/"}
	build := func(v string) *feed.Site {
		s, err := feed.Build([]*loader.Post{testPost("a.md", "A"+v, "x"), testPost("b.md", "B"+v, "y")}, cfg, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return build("1"), build("2")
}

// postFolder is the folder of a post's page in s, as WriteDir names it.
func postFolder(t *testing.T, s *feed.Site) string {
	t.Helper()
	for _, p := range s.Paths() {
		if strings.HasPrefix(p, "/posts/") && strings.HasSuffix(p, "/") {
			name, _ := fileName(p)
			return path.Dir(name)
		}
	}
	t.Fatal("no post page in the site")
	return ""
}

// noTemps fails the test for a temporary file left anywhere under dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("temporary file %s left behind", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDirSymlinkFilePlanted: a link planted where a file of the site goes,
// pointing out of the folder, is replaced by the file, never written or
// read through.
func TestDirSymlinkFilePlanted(t *testing.T) {
	first, second := twoSites(t)
	base := t.TempDir()
	out, elsewhere := filepath.Join(base, "out"), filepath.Join(base, "elsewhere")
	os.MkdirAll(elsewhere, 0o755)
	if _, err := WriteDir(first, out, Options{}); err != nil {
		t.Fatal(err)
	}
	planted := []string{"rss.xml", "categories/x/atom.xml", path.Join(postFolder(t, first), "index.html")}
	for i, name := range planted {
		victim := filepath.Join(elsewhere, fmt.Sprint("victim", i))
		// The victim holds the very bytes of the first site: a Dir that read
		// through the link would find them equal and leave the link.
		body := bodyAt(t, first, "/"+strings.TrimSuffix(name, "index.html"))
		os.WriteFile(victim, body, 0o644)
		os.Remove(filepath.Join(out, name))
		if err := os.Symlink(victim, filepath.Join(out, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*feed.Site{first, second} {
		if _, err := WriteDir(s, out, Options{}); err != nil {
			t.Fatal(err)
		}
		for i, name := range planted {
			fi, err := os.Lstat(filepath.Join(out, name))
			if err != nil || !fi.Mode().IsRegular() {
				t.Errorf("%s: got %v, %v; want the link replaced by a file", name, fi, err)
			}
			got, _ := os.ReadFile(filepath.Join(out, name))
			if want := bodyAt(t, s, "/"+strings.TrimSuffix(name, "index.html")); !bytes.Equal(got, want) {
				t.Errorf("%s: not the site's bytes", name)
			}
			victim, _ := os.ReadFile(filepath.Join(elsewhere, fmt.Sprint("victim", i)))
			if want := bodyAt(t, first, "/"+strings.TrimSuffix(name, "index.html")); !bytes.Equal(victim, want) {
				t.Errorf("%s: the file the link pointed to was changed", name)
			}
		}
	}
	noTemps(t, out)
}

// TestDirSymlinkFolderPlanted: a link planted where a folder of the site
// goes, pointing out of the output folder, is refused with an error naming
// the folder, and nothing is written through it.
func TestDirSymlinkFolderPlanted(t *testing.T) {
	first, second := twoSites(t)
	for _, folder := range []string{"categories", "categories/y", postFolder(t, first)} {
		t.Run(folder, func(t *testing.T) {
			base := t.TempDir()
			out, elsewhere := filepath.Join(base, "out"), filepath.Join(base, "elsewhere")
			if _, err := WriteDir(first, out, Options{}); err != nil {
				t.Fatal(err)
			}
			// The folder moved out and a link to it left in its place.
			if err := os.Rename(filepath.Join(out, folder), elsewhere); err != nil {
				t.Fatal(err)
			}
			before := feedtest.ReadTree(t, elsewhere)
			if err := os.Symlink(elsewhere, filepath.Join(out, folder)); err != nil {
				t.Fatal(err)
			}
			_, err := WriteDir(second, out, Options{})
			if err == nil || !strings.Contains(err.Error(), folder) {
				t.Errorf("got %v, want an error naming %s", err, folder)
			}
			after := feedtest.ReadTree(t, elsewhere)
			if len(after) != len(before) {
				t.Errorf("got %d files behind the link, want the %d that were there", len(after), len(before))
			}
			for name, b := range before {
				if !bytes.Equal(after[name], b) {
					t.Errorf("%s behind the link: changed", name)
				}
			}
			if fi, err := os.Lstat(filepath.Join(out, folder)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link was not left alone: %v, %v", fi, err)
			}
			noTemps(t, base)
		})
	}
}

// TestDirFileFolderSwapped: a folder where a file of the site goes, or a
// file where a folder goes, is an error naming it; what is there is left
// alone, and so are the files the site had written.
func TestDirFileFolderSwapped(t *testing.T) {
	first, second := twoSites(t)
	post := postFolder(t, first)
	for _, tc := range []struct {
		name   string
		folder bool // a folder where the file goes
	}{
		{"rss.xml", true},
		{"categories/x/feed.json", true},
		{path.Join(post, "index.html"), true},
		{"categories/x", false},
		{post, false},
		{"posts", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			if _, err := WriteDir(first, out, Options{}); err != nil {
				t.Fatal(err)
			}
			at := filepath.Join(out, tc.name)
			os.RemoveAll(at)
			mine := at
			if tc.folder {
				os.MkdirAll(at, 0o755)
				mine = filepath.Join(at, "mine.txt")
			}
			if err := os.WriteFile(mine, []byte("keep me"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := feedtest.ReadTree(t, out)
			_, err := WriteDir(second, out, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("got %v, want an error naming %s", err, tc.name)
			}
			if b, err := os.ReadFile(mine); err != nil || string(b) != "keep me" {
				t.Errorf("%s: got %q, %v; want it left alone", mine, b, err)
			}
			after := feedtest.ReadTree(t, out)
			for name := range before {
				if _, ok := after[name]; !ok && name != manifestName {
					t.Errorf("%s: removed by the failed run", name)
				}
			}
			noTemps(t, out)
		})
	}
}

// TestDirConcurrent: many goroutines writing into shared folders, nested,
// get every file right, make each folder once, and leave no descriptor
// open after Close; a folder emptied by Remove is made again when written.
func TestDirConcurrent(t *testing.T) {
	out := t.TempDir()
	fds := openFDs(t)
	d, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	name := func(i int) string { return fmt.Sprintf("f%d/g%d/h%d/file%d", i%5, i%15, i%45, i) }
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < 600; i += 8 {
				if changed, err := d.WriteFile(name(i), []byte(name(i))); err != nil || !changed {
					t.Errorf("%s: got %v, %v; want it written", name(i), changed, err)
				}
			}
		})
	}
	wg.Wait()
	// A folder this Dir made holds only its files; another Dir reads what
	// is there first.
	again, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := again.WriteFile(name(7), []byte(name(7))); err != nil || changed {
		t.Errorf("the same bytes again: got %v, %v; want nothing written", changed, err)
	}
	if changed, err := again.WriteFile(name(8), []byte("new")); err != nil || !changed {
		t.Errorf("new bytes: got %v, %v; want them written", changed, err)
	}
	again.Close()
	for i := range 600 {
		if i%45 != 3 {
			continue
		}
		if err := d.Remove(name(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, path.Dir(name(3)))); !os.IsNotExist(err) {
		t.Errorf("emptied folder: got %v, want it removed", err)
	}
	if _, err := d.WriteFile(name(3), []byte("again")); err != nil {
		t.Errorf("writing into a removed folder again: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	tree := feedtest.ReadTree(t, out)
	for i := range 600 {
		want := name(i)
		switch {
		case i == 8:
			want = "new"
		case i == 3:
			want = "again"
		case i%45 == 3:
			want = ""
		}
		if string(tree[name(i)]) != want {
			t.Errorf("%s: got %q, want %q", name(i), tree[name(i)], want)
		}
	}
	if len(tree) != 600-600/45 {
		t.Errorf("got %d files, want %d", len(tree), 600-600/45)
	}
	if got := openFDs(t); got > fds {
		t.Errorf("%d descriptors open after Close, %d before", got, fds)
	}
}

// openFDs counts this process's open descriptors (0 where /proc is not).
func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	return len(entries)
}
