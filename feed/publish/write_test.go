package publish

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/internal/validate"
	"feedpub/loader"
)

var testPost = feedtest.Post

// bodyAt is what Write writes for path p of s (s.Body), failing the test
// on an error.
func bodyAt(t testing.TB, s *feed.Site, p string) []byte {
	t.Helper()
	b, err := s.Body(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkFeed parses a feed back: XML with a strict decoder to the end,
// JSON Feed with encoding/json.
func checkFeed(t testing.TB, name string, body []byte) {
	t.Helper()
	if err := validate.WellFormed(name, body); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, body)
	}
}

func TestWriteDirStaysInside(t *testing.T) {
	base := t.TempDir()
	out := filepath.Join(base, "a", "out")
	var posts []*loader.Post
	for i, n := range feedtest.HostileNames {
		n = loader.StripInvalidXML(n) // as the loader does for every text it reads
		posts = append(posts, testPost(n+".md", "category "+n, n))
		p := testPost("post"+string(rune('a'+i))+".md", "link "+n, "ok")
		p.Link = n
		posts = append(posts, p)
		posts = append(posts, testPost(n, "path "+n))
	}
	site, err := feed.Build(posts, feed.Config{URL: "https://example.com/blog/"}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(site, out, Options{Gzip: true}); err != nil {
		t.Fatal(err)
	}
	var files int
	err = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(out, p)
		if !filepath.IsLocal(rel) {
			t.Errorf("file written outside the output folder: %s", p)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			t.Errorf("symbolic link written: %s", p)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every category kept its own feed, under categories/.
	if n := len(site.Feeds()); n < 20 {
		t.Errorf("got %d feeds, want one per distinct hostile category", n)
	}
	if want := 2*len(site.Paths()) + 1; files != want {
		t.Errorf("got %d files, want %d (each file, its .gz, the manifest)", files, want)
	}
	for _, p := range site.Paths() {
		checkFeed(t, p, bodyAt(t, site, p))
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		in, want string // want "" for refused
	}{
		{"/", "index.html"},
		{"/rss.xml", "rss.xml"},
		{"/categories/金融/atom.xml", "categories/金融/atom.xml"},
		{"/posts/x/", "posts/x/index.html"},
		{"/../x", ""},
		{"/a/../../x", ""},
		{"/a/./x", ""},
		{"//etc/passwd", ""},
		{"/a//b", ""},
		{"/a\\..\\b", ""},
		{"/a\x00b", ""},
		{"/a\nb", ""},
		{"/" + strings.Repeat("a", 256), ""},
		{"/" + strings.Repeat("a", 255), strings.Repeat("a", 255)},
		{"/.feedpub-manifest", ""},
		{"/x/.feedpub-tmp-123", ""},
		{"/..", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := fileName(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Errorf("got %q, want a refusal", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestWriteDirDeletesOnlyItsOwn: files the site no longer has are removed,
// a user's own files are not, and a hostile manifest deletes nothing
// outside the folder.
func TestWriteDirDeletesOnlyItsOwn(t *testing.T) {
	base := t.TempDir()
	out := filepath.Join(base, "out")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := feed.Config{URL: "https://example.com/"}
	first, err := feed.Build([]*loader.Post{testPost("a.md", "A", "old"), testPost("b.md", "B", "kept")}, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(first, out, Options{}); err != nil {
		t.Fatal(err)
	}
	victims := []string{filepath.Join(base, "victim"), filepath.Join(out, "mine.txt"), filepath.Join(out, "categories", "old", "notes.txt")}
	for _, v := range victims {
		if err := os.WriteFile(v, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Someone appends hostile names to the manifest.
	f, err := os.OpenFile(filepath.Join(out, manifestName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("../victim\n" + filepath.Join(base, "victim") + "\ncategories/../../victim\nmine.txt/../../victim\n")
	f.Close()

	second, err := feed.Build([]*loader.Post{testPost("b.md", "B", "kept")}, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(second, out, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, v := range victims {
		if b, err := os.ReadFile(v); err != nil || string(b) != "keep me" {
			t.Errorf("%s: got %q, %v; want it untouched", v, b, err)
		}
	}
	tree := feedtest.ReadTree(t, out)
	for _, gone := range []string{"categories/old/rss.xml", "categories/old/atom.xml", "categories/old/feed.json"} {
		if _, ok := tree[gone]; ok {
			t.Errorf("%s still there; want it removed with its category", gone)
		}
	}
	for _, p := range second.Paths() {
		name, _ := fileName(p)
		if !bytes.Equal(tree[name], bodyAt(t, second, p)) {
			t.Errorf("%s: not the new site's bytes", name)
		}
	}
	for name := range tree {
		if strings.Contains(name, tmpPrefix) {
			t.Errorf("temporary file %s left behind", name)
		}
	}
}

// TestWriteDirRemovesKilledRunsFiles: a run killed after writing a file
// but before its final manifest leaves a manifest naming that file (and
// temporary files); the next run removes both.
func TestWriteDirRemovesKilledRunsFiles(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := feed.Config{URL: "https://example.com/"}
	small, _ := feed.Build([]*loader.Post{testPost("b.md", "B", "kept")}, cfg, now)
	big, _ := feed.Build([]*loader.Post{testPost("b.md", "B", "kept"), testPost("c.md", "C", "extra")}, cfg, now)
	if _, err := WriteDir(small, out, Options{}); err != nil {
		t.Fatal(err)
	}
	// Simulate the killed run: the manifest written first, one new file,
	// one temporary file.
	d, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var union []string
	for _, p := range big.Paths() {
		n, _ := fileName(p)
		union = append(union, n)
	}
	d.WriteFile(manifestName, manifestBody(union))
	d.WriteFile("categories/extra/rss.xml", bodyAt(t, big, "/categories/extra/rss.xml"))
	d.Close()
	os.WriteFile(filepath.Join(out, "categories", "extra", tmpPrefix+"dead"), []byte("half"), 0o644)
	old := time.Now().Add(-time.Minute)
	os.Chtimes(filepath.Join(out, "categories", "extra", tmpPrefix+"dead"), old, old)

	if _, err := WriteDir(small, out, Options{}); err != nil {
		t.Fatal(err)
	}
	tree := feedtest.ReadTree(t, out)
	for name := range tree {
		if strings.HasPrefix(name, "categories/extra") {
			t.Errorf("%s left behind by the killed run", name)
		}
	}
	if len(tree) != len(small.Paths())+1 {
		t.Errorf("got files %v, want the site's %d and the manifest", slices.Sorted(maps.Keys(tree)), len(small.Paths()))
	}
}

// TestWriteDirSymlinkInOut: a link inside the output folder pointing out
// of it is not written through.
func TestWriteDirSymlinkInOut(t *testing.T) {
	base := t.TempDir()
	out, elsewhere := filepath.Join(base, "out"), filepath.Join(base, "elsewhere")
	os.MkdirAll(out, 0o755)
	os.MkdirAll(elsewhere, 0o755)
	if err := os.Symlink(elsewhere, filepath.Join(out, "categories")); err != nil {
		t.Fatal(err)
	}
	site, err := feed.Build([]*loader.Post{testPost("a.md", "A", "x")}, feed.Config{}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	_, err = WriteDir(site, out, Options{})
	if err == nil {
		t.Errorf("got no error writing through a link out of the folder")
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("got %d files written through the link, want none", len(entries))
	}
}

// TestMissing: the files an earlier manifest lists that the site no
// longer has, whether the manifest is sorted or was edited by hand.
func TestMissing(t *testing.T) {
	names := []string{"a.xml", "b/index.html", "c.xml"}
	for _, tc := range []struct{ old, want []string }{
		{nil, nil},
		{[]string{"a.xml", "b/index.html", "c.xml"}, nil},
		{[]string{"a.xml", "a0.xml", "b/index.html", "d.xml"}, []string{"a0.xml", "d.xml"}},
		{[]string{"d.xml", "c.xml", "0.xml", "a.xml"}, []string{"0.xml", "d.xml"}},
	} {
		if got := missing(names, tc.old); !slices.Equal(got, tc.want) {
			t.Errorf("missing(%q, %q) = %q, want %q", names, tc.old, got, tc.want)
		}
	}
}

// TestFolderJobs: the files of a folder go to one writer, in their order,
// even when a nested folder's file comes between them; each folder's job
// comes where its first file did.
func TestFolderJobs(t *testing.T) {
	files := []string{"index.html", "c/a/atom.xml", "c/a/feed.json", "c/a/page/2/index.html", "c/a/rss.xml", "p/x/index.html", "rss.xml"}
	got := folderJobs(files, []int{5, 0, 1, 2, 3, 4, 6})
	want := [][]int{{5}, {0, 6}, {1, 2, 4}, {3}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("folderJobs = %v, want %v", got, want)
	}
}
