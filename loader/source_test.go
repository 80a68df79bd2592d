package loader

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// slimScan scans root with build's settings (slim posts, read again by
// Full) and gives its one post.
func slimScan(t *testing.T, l *Loader) *Post {
	t.Helper()
	res, err := l.Scan(context.Background())
	if err != nil || len(res.Posts) != 1 {
		t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
	}
	return res.Posts[0]
}

// The files of a scan are read again from the folder the scan read, held
// open: a root moved away since is still read.
func TestFullReadsHeldRoot(t *testing.T) {
	if fd := openFolder("."); fd < 0 {
		t.Skip("no folder descriptors here")
	} else {
		closeFolder(fd)
	}
	root := filepath.Join(t.TempDir(), "seeds")
	writePost(t, filepath.Join(root, "2024", "a.md"), "A")
	p := slimScan(t, New(Config{Root: root, BodyBudget: 1, SlimPosts: true}))
	if err := os.Rename(root, root+"-moved"); err != nil {
		t.Fatal(err)
	}
	if f, err := p.Full(); err != nil || f.Body != "<p>A</p>" {
		t.Errorf("got Full() = %+v, %v after the root moved; want post A read from the folder held", f, err)
	}
}

// A post a later scan keeps (its file's size and time unchanged) is read
// again from the folder that now has the root's name, as before folders
// were held: one swapped in since has the file as it is now.
func TestFullAfterRootSwapped(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "seeds")
	name := filepath.Join(root, "a.md")
	writePost(t, name, "A")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	l := New(Config{Root: root, BodyBudget: 1, SlimPosts: true})
	p := slimScan(t, l)
	if err := os.Rename(root, filepath.Join(base, "seeds-old")); err != nil {
		t.Fatal(err)
	}
	writePost(t, name, "B") // as long as A's
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	held := l.src
	if again := slimScan(t, l); again != p {
		t.Fatal("the second scan read the file again: its size or time differs")
	}
	if l.src == held {
		t.Error("the second scan kept the source of a folder swapped out since")
	}
	if f, err := p.Full(); err != nil || f.Title != "B" || f.Body != "<p>B</p>" {
		t.Errorf("got Full() = %+v, %v after the root was swapped; want post B, as the folder now is", f, err)
	}
}

// A file gone since the scan fails Full with an error naming its path.
func TestFullOfGoneFileNamesPath(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(root, "sub", "a.md")
	writePost(t, name, "A")
	p := slimScan(t, New(Config{Root: root, BodyBudget: 1, SlimPosts: true}))
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	_, err = p.Full()
	if err == nil || !strings.Contains(err.Error(), "open "+name+": ") || !strings.HasPrefix(err.Error(), "loader: sub/a.md: ") {
		t.Errorf("got Full() error %v; want one naming sub/a.md and opening %s", err, name)
	}
}

// A folder scanned again (Scan, Update) is read through the source, and
// the descriptor, of its first scan: one held per Loader, not one per scan
// left for the collector to close.
func TestScanAgainKeepsSource(t *testing.T) {
	root := t.TempDir()
	writePost(t, filepath.Join(root, "a.md"), "A")
	l := New(Config{Root: root, BodyBudget: 1, SlimPosts: true})
	slimScan(t, l)
	held := l.src
	writePost(t, filepath.Join(root, "b.md"), "B")
	if _, err := l.Update(context.Background(), []string{filepath.Join(root, "b.md")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l.src != held || held.retired.Load() {
		t.Error("a scan of the same folder made a source of its own")
	}
}

// WithFull gives the post Full gives, its Body lent where it is a part of
// the file as it is (HTML): Keep copies it out of the buffer, which later
// reads reuse; a body made anew (Markdown rendered) is kept as it is.
func TestWithFullLendsBody(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"a.html": "---\ntitle: A\ndate: 2024-01-02\n---\n<p>" + strings.Repeat("正文", 300) + "</p>\n",
		"b.md":   "---\ntitle: B\ndate: 2024-01-03\n---\nSome *text*.\n",
		"c.html": "---\ntitle: C\ndate: 2024-01-04\n---\n<p>" + strings.Repeat("x", 500) + "</p>\n",
	})
	res, err := New(Config{Root: root, Workers: 1, BodyBudget: 1, SlimPosts: true}).Scan(context.Background())
	if err != nil || len(res.Posts) != 3 {
		t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
	}
	kept := map[string]string{}
	for _, p := range res.Posts {
		want, err := p.Full()
		if err != nil {
			t.Fatal(err)
		}
		p.WithFull(func(full *Post, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if full.Body != want.Body || full.Title != want.Title || full.Summary != want.Summary {
				t.Errorf("%s: WithFull gave %+v, Full %+v", p.Path, full, want)
			}
			k := full.Keep(full.Body)
			if lent := strings.HasSuffix(p.Path, ".html"); lent != (unsafe.StringData(k) != unsafe.StringData(full.Body)) {
				t.Errorf("%s: Keep copied the body: %v, want %v", p.Path, !lent, lent)
			}
			kept[p.Path] = k
		})
	}
	for _, p := range res.Posts { // read again, into the buffers lent
		p.WithFull(func(*Post, error) {})
	}
	for _, p := range res.Posts {
		if want, _ := p.Full(); kept[p.Path] != want.Body {
			t.Errorf("%s: the body kept changed to %.30q...", p.Path, kept[p.Path])
		}
	}
}
