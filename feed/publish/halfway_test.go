package publish

import (
	"errors"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/loader"
)

var (
	hrefRE    = regexp.MustCompile(`(?:href|src)="([^"]+)"`)
	siteURLRE = regexp.MustCompile(`https://news\.example\.com/[^"<\s]*`)
)

// halfwayConfig is the site of the tests of a write that fails half way:
// its pages and feeds link to each other by full URLs under its URL.
func halfwayConfig() feed.Config {
	return feed.Config{Title: "要闻速递", URL: "https://news.example.com/", Language: "zh-CN", Location: time.UTC}
}

// halfwaySites are a site of one post in the category old, and the same
// site a build later: the post edited, a new post in the new category new.
func halfwaySites(t *testing.T) (v1, v2 *feed.Site) {
	t.Helper()
	now := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	v1, err := feed.Build([]*loader.Post{testPost("a.md", "A", "old")}, halfwayConfig(), now)
	if err != nil {
		t.Fatal(err)
	}
	v2, err = feed.Build([]*loader.Post{testPost("a.md", "A edited", "old"), testPost("b.md", "B", "new")}, halfwayConfig(), now)
	if err != nil {
		t.Fatal(err)
	}
	return v1, v2
}

// brokenLinks lists the links of every page, feed and list in dir to the
// site (https://news.example.com/) that name no file in dir.
func brokenLinks(t *testing.T, dir string) []string {
	t.Helper()
	base, _ := url.Parse("https://news.example.com/")
	var broken []string
	for rel, data := range feedtest.ReadTree(t, dir) {
		if strings.HasPrefix(path.Base(rel), ".") {
			continue
		}
		self := base.JoinPath(rel)
		var links []string
		if strings.HasSuffix(rel, ".html") {
			for _, m := range hrefRE.FindAllStringSubmatch(string(data), -1) {
				links = append(links, strings.ReplaceAll(m[1], "&amp;", "&"))
			}
		} else {
			links = siteURLRE.FindAllString(string(data), -1)
		}
		for _, l := range links {
			u, err := self.Parse(l)
			if err != nil || u.Host != base.Host {
				continue
			}
			name := strings.TrimPrefix(u.Path, "/")
			if name == "" || strings.HasSuffix(name, "/") {
				name += "index.html"
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(path.Clean(name)))); err != nil {
				broken = append(broken, rel+" -> "+l)
			}
		}
	}
	return broken
}

// linksTo reports whether any file in dir links to the site's path p.
func linksTo(t *testing.T, dir, p string) bool {
	t.Helper()
	for rel, data := range feedtest.ReadTree(t, dir) {
		if !strings.HasPrefix(path.Base(rel), ".") && strings.Contains(string(data), p) {
			return true
		}
	}
	return false
}

// emptyFolders lists the folders of dir with nothing in them.
func emptyFolders(t *testing.T, dir string) []string {
	t.Helper()
	var empty []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if es, _ := os.ReadDir(p); len(es) == 0 {
				empty = append(empty, p)
			}
		}
		return nil
	})
	return empty
}

// writeWhole writes s into dir, and checks that every link resolves.
func writeWhole(t *testing.T, s *feed.Site, dir string) {
	t.Helper()
	if _, err := WriteDir(s, dir, Options{Gzip: true}); err != nil {
		t.Fatal(err)
	}
	if b := brokenLinks(t, dir); len(b) > 0 {
		t.Fatalf("broken links after a whole build: %q", b)
	}
}

// A build that fails half way (here a file that cannot be written: a
// folder stands where a new category's feed goes) leaves every link in the
// output folder resolvable: the pages and feeds that were there keep
// their old version, the new files it wrote are removed, and so are the
// folders it made for them.
func TestWriteDirFailingHalfWayKeepsLinks(t *testing.T) {
	v1, v2 := halfwaySites(t)
	dir := t.TempDir()
	writeWhole(t, v1, dir)
	index, _ := os.ReadFile(filepath.Join(dir, "index.html"))

	if err := os.MkdirAll(filepath.Join(dir, "categories", "new", "rss.xml", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(v2, dir, Options{Gzip: true}); err == nil {
		t.Fatal("WriteDir wrote over a folder")
	}
	// Take the obstacle away: nothing but it may be left in its folder.
	if es, _ := os.ReadDir(filepath.Join(dir, "categories", "new")); len(es) != 1 {
		t.Errorf("the failed build left files beside the obstacle: %v", es)
	}
	os.RemoveAll(filepath.Join(dir, "categories", "new"))
	if b := brokenLinks(t, dir); len(b) > 0 {
		t.Errorf("broken links after a build failed half way: %q", b)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "index.html")); string(now) != string(index) {
		t.Errorf("index.html was updated by a build that failed")
	}
	if _, err := os.Stat(filepath.Join(dir, "posts", "b")); err == nil {
		t.Errorf("the new post's folder was left by a build that failed")
	}
	if e := emptyFolders(t, dir); len(e) > 0 {
		t.Errorf("empty folders left: %q", e)
	}
	// The next build, with nothing in its way, completes the site.
	writeWhole(t, v2, dir)
}

// failingTarget is a Dir on which writing the file named fail fails.
type failingTarget struct {
	*Dir
	fail string
}

var errFull = errors.New("no space left on device")

func (f failingTarget) WriteFile(name string, body []byte) (bool, error) {
	if name == f.fail {
		return false, errFull
	}
	return f.Dir.WriteFile(name, body)
}

// A build that fails once the new files are written, on a file that was
// there, keeps the new files: the files that were there and are written
// by then (index.html and the post's page, whatever the order) link to
// them.
func TestWriteFailingOnOldFileKeepsNewOnes(t *testing.T) {
	v1, v2 := halfwaySites(t)
	dir := t.TempDir()
	writeWhole(t, v1, dir)
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := Write(v2, failingTarget{d, "categories/old/atom.xml"}, Options{Gzip: true}); !errors.Is(err, errFull) {
		t.Fatalf("got %v, want the target's error", err)
	}
	if !linksTo(t, dir, "categories/new/") {
		t.Fatalf("no file links to the new category after the failed build; the test tests nothing")
	}
	if b := brokenLinks(t, dir); len(b) > 0 {
		t.Errorf("broken links after a build failed on a file that was there: %q", b)
	}
	writeWhole(t, v2, dir)
}

// failingInFolder is a Dir on which writing the file named fail fails
// once its folder is made, as on a full disk.
type failingInFolder struct {
	*Dir
	fail string
}

func (f failingInFolder) WriteFile(name string, body []byte) (bool, error) {
	if name == f.fail {
		if err := f.makeFolder(path.Dir(name)); err != nil {
			return false, err
		}
		return false, errFull
	}
	return f.Dir.WriteFile(name, body)
}

// A build that fails on a new file once it made its folder (a full disk)
// leaves no empty folder.
func TestWriteFailingInNewFolderLeavesNoEmptyFolder(t *testing.T) {
	v1, v2 := halfwaySites(t)
	dir := t.TempDir()
	writeWhole(t, v1, dir)
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := Write(v2, failingInFolder{d, "posts/b/index.html"}, Options{Gzip: true}); !errors.Is(err, errFull) {
		t.Fatalf("got %v, want the target's error", err)
	}
	if e := emptyFolders(t, dir); len(e) > 0 {
		t.Errorf("empty folders left: %q", e)
	}
	if b := brokenLinks(t, dir); len(b) > 0 {
		t.Errorf("broken links after a build failed half way: %q", b)
	}
	// The same Dir, used again, completes the site.
	if _, err := Write(v2, d, Options{Gzip: true}); err != nil {
		t.Fatal(err)
	}
	if b := brokenLinks(t, dir); len(b) > 0 {
		t.Errorf("broken links after the build that followed: %q", b)
	}
}

// orderTarget is a Dir that checks the order of writing: no file that was
// there is written while a file of the site that was not is still to be.
type orderTarget struct {
	*Dir
	mu      sync.Mutex
	was     map[string]bool // files there before the run
	pending map[string]bool // files of the site not there before the run, not yet written
	early   []string        // files that were there, written while some of pending were not
}

func newOrderTarget(t *testing.T, d *Dir, dir string, s *feed.Site) *orderTarget {
	o := &orderTarget{Dir: d, was: map[string]bool{}, pending: map[string]bool{}}
	for name := range feedtest.ReadTree(t, dir) {
		o.was[name] = true
	}
	for _, p := range s.Paths() {
		name, err := fileName(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []string{name, name + ".gz"} {
			if !o.was[n] {
				o.pending[n] = true
			}
		}
	}
	return o
}

func (o *orderTarget) WriteFile(name string, body []byte) (bool, error) {
	o.mu.Lock()
	if o.was[name] && name != manifestName && len(o.pending) > 0 {
		o.early = append(o.early, name)
	}
	o.mu.Unlock()
	changed, err := o.Dir.WriteFile(name, body)
	o.mu.Lock()
	delete(o.pending, name)
	o.mu.Unlock()
	return changed, err
}

// A run killed after listing its files in the manifest, before writing
// the new ones, leaves a manifest naming files that are not there; the
// next run still writes them before the files that link to them, so that
// a failure at any moment leaves every link resolvable.
func TestWriteNewFilesFirstAfterKilledRun(t *testing.T) {
	v1, v2 := halfwaySites(t)
	dir := t.TempDir()
	writeWhole(t, v1, dir)
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// The killed run's manifest: the old files and the new.
	listed := readManifest(d)
	for _, p := range v2.Paths() {
		name, _ := fileName(p)
		listed = append(listed, name, name+".gz")
	}
	slices.Sort(listed)
	if _, err := d.WriteFile(manifestName, manifestBody(slices.Compact(listed))); err != nil {
		t.Fatal(err)
	}
	o := newOrderTarget(t, d, dir, v2)
	if _, err := Write(v2, o, Options{Gzip: true}); err != nil {
		t.Fatal(err)
	}
	if len(o.early) > 0 {
		t.Errorf("files that were there written before every new file was: %q", o.early)
	}
	if b := brokenLinks(t, dir); len(b) > 0 {
		t.Errorf("broken links: %q", b)
	}
}
