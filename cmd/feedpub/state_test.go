package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/internal/feedtest"
)

// buildInto runs build of seeds into out with the extra arguments, and
// returns its stdout and stderr.
func buildInto(t *testing.T, seeds, out string, extra ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"build", "-seeds", seeds, "-out", out, "-timezone", "UTC"}, extra...)
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// published is the tree of out without the state, which holds times.
func published(t *testing.T, out string) map[string][]byte {
	tree := feedtest.ReadTree(t, out)
	for name := range tree {
		if strings.HasPrefix(name, ".feedpub/") {
			delete(tree, name)
		}
	}
	return tree
}

// sameTrees reports the first difference between two trees.
func sameTrees(got, want map[string][]byte) error {
	for _, name := range sortedNames(want) {
		if g, ok := got[name]; !ok {
			return fmt.Errorf("%s missing", name)
		} else if !bytes.Equal(g, want[name]) {
			return fmt.Errorf("%s differs:\n%s\n---- want ----\n%s", name, g, want[name])
		}
	}
	for _, name := range sortedNames(got) {
		if _, ok := want[name]; !ok {
			return fmt.Errorf("%s left over", name)
		}
	}
	return nil
}

func sortedNames(tree map[string][]byte) []string {
	var out []string
	for n := range tree {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// age sets the modification time of every file under dir to one a minute
// or more ago, distinct per step, as a folder edited between two runs of
// cron has: files changed within the last seconds are read again anyway.
func age(t *testing.T, dir string, step int) {
	t.Helper()
	at := time.Now().Add(-time.Hour + time.Duration(step)*time.Minute)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil && fi.ModTime().After(time.Now().Add(-30*time.Second)) {
				os.Chtimes(p, at, at)
			}
		}
		return err
	})
}

// TestBuildIncrementalSameAsFresh builds a folder again after each of a
// sequence of changes, with the state of the last builds, and compares the
// output byte for byte with a build from scratch of the same folder
// (without tombstones, which only a build that saw a post go can write).
func TestBuildIncrementalSameAsFresh(t *testing.T) {
	base := t.TempDir()
	seeds, out := filepath.Join(base, "seeds"), filepath.Join(base, "out")
	genPosts(t, seeds, 60, "a")
	cfgFile := filepath.Join(base, "feedpub.yaml")
	os.WriteFile(cfgFile, []byte("updated_from_edits: false\nlimit: 4\narchives: true\ntombstones: 0\n"), 0o644)
	args := []string{"-config", cfgFile, "-gzip"}
	write := func(rel, body string) {
		p := filepath.Join(seeds, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	post := func(title, date, cats, body string) string {
		return fmt.Sprintf("---\ntitle: %s\ndate: %s\ncategories: [%s]\n---\n%s\n", title, date, cats, body)
	}
	steps := []struct {
		name   string
		change func()
	}{
		{"first", func() {}},
		{"nothing", func() {}},
		{"add newest", func() { write("new/newest.md", post("Newest", "2030-01-01 08:00", "金融, Lonely", "new")) }},
		{"add a tagged post", func() { write("new/tagged.md", "---\ntitle: Tagged\ndate: 2025-06-01\ntags: [t1, t2]\n---\nx\n") }},
		{"edit body", func() { // the tagged post comes from the state: its tags too
			write("new/newest.md", post("Newest", "2030-01-01 08:00", "金融, Lonely", "edited"))
		}},
		{"edit old post", func() {
			b, _ := os.ReadFile(filepath.Join(seeds, "03", "post-00003.md"))
			write("03/post-00003.md", strings.Replace(string(b), "Some text", "Corrected text", 1))
		}},
		{"retitle", func() { // its neighbours' pages link to it by title
			b, _ := os.ReadFile(filepath.Join(seeds, "10", "post-00010.html"))
			write("10/post-00010.html", strings.Replace(string(b), "title: 'Post 10 a'", "title: 'Post ten'", 1))
		}},
		{"rename", func() {
			os.Rename(filepath.Join(seeds, "04", "post-00004.html"), filepath.Join(seeds, "04", "renamed.html"))
		}},
		{"delete newest", func() { os.Remove(filepath.Join(seeds, "new", "newest.md")) }}, // Lonely emptied
		{"break a post", func() { write("05/post-00005.txt", "---\ntitle: [unclosed\n---\nx\n") }},
		{"fix it", func() { write("05/post-00005.txt", post("Fixed", "2020-01-01 10:00", "科技", "fixed")) }},
		{"delete a folder", func() { os.RemoveAll(filepath.Join(seeds, "06")) }},
		{"nothing again", func() {}},
		{"output emptied but for the state", func() { // rm -rf out/* keeps the dot-files
			entries, _ := os.ReadDir(out)
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), ".") {
					os.RemoveAll(filepath.Join(out, e.Name()))
				}
			}
		}},
		{"one page deleted by hand", func() { os.Remove(filepath.Join(out, "index.html")) }},
	}
	for i, step := range steps {
		step.change()
		age(t, seeds, i)
		os.MkdirAll(out, 0o755)
		before := feedtest.ReadTree(t, out)
		stdout, stderr := buildInto(t, seeds, out, args...)
		fresh := filepath.Join(base, fmt.Sprintf("fresh-%d", i))
		buildInto(t, seeds, fresh, args...)
		if step.name == "break a post" { // published before: it stays, unlike in a build from scratch
			tree := published(t, out)
			if _, ok := tree["posts/post-00005/index.html"]; !ok || !strings.Contains(stderr, "post-00005.txt") ||
				!strings.Contains(stderr, "last good version stays published") {
				t.Fatalf("after %q: got page kept %v, stderr %q; want the last good version kept and the problem reported", step.name, ok, stderr)
			}
			continue
		}
		if err := sameTrees(published(t, out), published(t, fresh)); err != nil {
			t.Fatalf("after %q: incremental and fresh builds differ: %v", step.name, err)
		}
		if strings.HasPrefix(step.name, "nothing") {
			if !strings.Contains(stdout, " 0 files written") {
				t.Errorf("after %q: got %q, want no file written", step.name, stdout)
			}
			if err := sameTrees(feedtest.ReadTree(t, out), before); err != nil {
				t.Errorf("after %q: the output changed: %v", step.name, err)
			}
		}
	}
}

// TestBuildEditTimes: a post edited without a new updated: field gets the
// time its edit was first seen as its update, kept by later builds (which
// stay byte-identical); with updated_from_edits: false it keeps its date.
func TestBuildEditTimes(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("updated_from_edits=", on), func(t *testing.T) {
			base := t.TempDir()
			seeds, out := filepath.Join(base, "seeds"), filepath.Join(base, "out")
			cfgFile := filepath.Join(base, "feedpub.yaml")
			os.WriteFile(cfgFile, []byte(fmt.Sprintf("updated_from_edits: %v\n", on)), 0o644)
			os.MkdirAll(seeds, 0o755)
			name := filepath.Join(seeds, "a.md")
			os.WriteFile(name, []byte("---\ntitle: A\ndate: 2020-01-01 08:00\n---\nfirst\n"), 0o644)
			age(t, seeds, 0)
			buildInto(t, seeds, out, "-config", cfgFile)
			const dated = "2020-01-01T08:00:00Z"
			if b, _ := os.ReadFile(filepath.Join(out, "atom.xml")); !bytes.Contains(b, []byte("<updated>"+dated+"</updated>")) {
				t.Fatalf("first build: atom.xml has no update at the post's date:\n%s", b)
			}
			os.WriteFile(name, []byte("---\ntitle: A\ndate: 2020-01-01 08:00\n---\ncorrected\n"), 0o644)
			age(t, seeds, 1)
			before := time.Now().UTC().Truncate(time.Second)
			buildInto(t, seeds, out, "-config", cfgFile)
			atom, _ := os.ReadFile(filepath.Join(out, "atom.xml"))
			stamp := before.Format("2006-01-02T15:04")
			if got := bytes.Contains(atom, []byte("<updated>"+stamp)); got != on {
				t.Fatalf("after an edit: atom.xml updated at %s: got %v, want %v\n%s", stamp, got, on, atom)
			}
			age(t, seeds, 2) // touched: read again, the same bytes
			buildInto(t, seeds, out, "-config", cfgFile)
			if again, _ := os.ReadFile(filepath.Join(out, "atom.xml")); !bytes.Equal(again, atom) {
				t.Errorf("a rebuild with the same posts and state changed atom.xml:\n%s\n---\n%s", again, atom)
			}
		})
	}
}

// TestBuildStateRefused: a corrupted state is refused with a log line and
// rebuilt; the output is that of a build from scratch.
func TestBuildStateRefused(t *testing.T) {
	base := t.TempDir()
	seeds, out, fresh := filepath.Join(base, "seeds"), filepath.Join(base, "out"), filepath.Join(base, "fresh")
	genPosts(t, seeds, 20, "a")
	age(t, seeds, 0)
	buildInto(t, seeds, out)
	state := filepath.Join(out, ".feedpub", "state")
	raw, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	os.WriteFile(state, raw, 0o644)
	os.WriteFile(filepath.Join(seeds, "00", "post-00000.md"), []byte("---\ntitle: changed\ndate: 2021-01-01\n---\nnew\n"), 0o644)
	_, stderr := buildInto(t, seeds, out)
	if !strings.Contains(stderr, "state .feedpub/state refused: bad checksum") || !strings.Contains(stderr, "rebuilding from scratch") {
		t.Errorf("got stderr %q, want the state's refusal said", stderr)
	}
	buildInto(t, seeds, fresh)
	if err := sameTrees(published(t, out), published(t, fresh)); err != nil {
		t.Errorf("after a refused state: %v", err)
	}
	_, stderr = buildInto(t, seeds, out)
	if strings.Contains(stderr, "refused") {
		t.Errorf("the state rebuilt was refused again: %s", stderr)
	}
}
