package publish

import (
	"bytes"
	"encoding/xml"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// tombRound is one build as feedpub build makes it, at now: the posts
// recorded in the state of out, built leanly with it, written with it.
func tombRound(t *testing.T, out string, posts []*loader.Post, now time.Time) {
	t.Helper()
	var log bytes.Buffer
	st := LoadDirState(out, BuildState, "fp", slog.New(slog.NewTextHandler(&log, nil)))
	known := make([]loader.Known, len(posts))
	for i, p := range posts {
		known[i] = loader.Known{Path: p.Path, Size: 1, ModTime: now, Post: p}
	}
	st.UpdatePosts(known, now, false)
	site, err := feed.BuildLean(posts, feed.Config{Limit: 3, Memory: st, Tombstones: 48 * time.Hour, Location: time.UTC}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(site, out, Options{State: st, Now: now}); err != nil {
		t.Fatal(err)
	}
	if log.Len() > 0 {
		t.Errorf("log: %s", log.String())
	}
}

type deleted struct{ Ref, When string }

// tombstonesOf reads the Atom feed name of out back: with the strict XML
// decoder, with the checks of validate (gofeed among them), its
// tombstones with encoding/xml and with gofeed, which must agree.
func tombstonesOf(t *testing.T, out, name string) []deleted {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, errs := validate.Check("atom", data, validate.Options{SelfURL: "http://127.0.0.1:8080/" + name}); len(errs) > 0 {
		t.Fatalf("%s: %v\n%s", name, errs, data)
	}
	var doc struct {
		Deleted []struct {
			Ref  string `xml:"ref,attr"`
			When string `xml:"when,attr"`
		} `xml:"http://purl.org/atompub/tombstones/1.0 deleted-entry"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var got []deleted
	for _, d := range doc.Deleted {
		got = append(got, deleted{d.Ref, d.When})
	}
	g, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var seen []deleted
	for _, e := range g.Extensions["at"]["deleted-entry"] {
		seen = append(seen, deleted{e.Attrs["ref"], e.Attrs["when"]})
	}
	if !slices.Equal(seen, got) {
		t.Errorf("%s: gofeed sees the tombstones %v, encoding/xml %v", name, seen, got)
	}
	for _, it := range g.Items {
		for _, d := range got {
			if it.GUID == d.Ref {
				t.Errorf("%s: %s is both an entry and a tombstone", name, d.Ref)
			}
		}
	}
	return got
}

// TestTombstones: a post deleted, or marked draft, is a tombstone in the
// Atom feeds that held it, when it went, until it expires; one restored
// has none, and comes back once; the same posts and state give the same
// bytes.
func TestTombstones(t *testing.T) {
	out := t.TempDir()
	day0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	day := func(n float64) time.Time { return day0.Add(time.Duration(n * 24 * float64(time.Hour))) }
	mk := func(name, cat string, d int, link string) *loader.Post {
		p := testPost(name, strings.ToUpper(name[:1]), cat)
		p.Date = time.Date(2025, 1, d, 8, 0, 0, 0, time.UTC)
		p.Updated, p.Link, p.Sum = p.Date, link, name
		return p
	}
	a, b, c := mk("a.md", "x", 10, ""), mk("b.md", "x", 11, "https://example.com/b"), mk("c.md", "y", 12, "")
	old := mk("old.md", "x", 2, "") // in no feed's newest 3 but its category's
	keep := mk("keep.md", "x", 1, "")
	tombRound(t, out, []*loader.Post{a, b, c, keep, old}, day0)
	if got := tombstonesOf(t, out, "atom.xml"); len(got) != 0 {
		t.Fatalf("no post removed: got tombstones %v", got)
	}
	var idA, idOld string
	for _, it := range validate.ParseFile(t, filepath.Join(out, "categories/x/atom.xml")).Items {
		switch it.Title {
		case "A":
			idA = it.GUID
		case "O":
			idOld = it.GUID
		}
	}

	// a deleted, b marked draft, old deleted: a day later.
	draftB := *b
	draftB.Draft, draftB.Sum = true, "b draft"
	tombRound(t, out, []*loader.Post{&draftB, c, keep}, day(1))
	when := day(1).Format(time.RFC3339)
	all := tombstonesOf(t, out, "atom.xml")
	want := []deleted{{"https://example.com/b", when}, {idA, when}}
	if !slices.Equal(all, want) {
		t.Errorf("all posts: got tombstones %v, want %v", all, want)
	}
	want = append(want, deleted{idOld, when})
	slices.SortFunc(want, func(a, b deleted) int { return strings.Compare(a.Ref, b.Ref) })
	if x := tombstonesOf(t, out, "categories/x/atom.xml"); !slices.Equal(x, want) {
		t.Errorf("x: got tombstones %v, want %v", x, want)
	}
	if got := tombstonesOf(t, out, "categories/y/atom.xml"); len(got) != 0 {
		t.Errorf("y never held them: got tombstones %v", got)
	}
	checkTools(t, out)
	before := published(t, out)
	tombRound(t, out, []*loader.Post{&draftB, c, keep}, day(1.5))
	if after := published(t, out); !maps.EqualFunc(before, after, bytes.Equal) {
		t.Errorf("the same posts and state: the output changed")
	}

	// a back as a draft: still removed.
	draftA := *a
	draftA.Draft, draftA.Sum = true, "a draft"
	tombRound(t, out, []*loader.Post{&draftA, &draftB, c, keep}, day(1.7))
	if got := tombstonesOf(t, out, "atom.xml"); !slices.Equal(got, all) {
		t.Errorf("a back as a draft: got tombstones %v, want %v", got, all)
	}

	// b back (a re-added post): no tombstone, one entry.
	tombRound(t, out, []*loader.Post{b, c, keep}, day(2))
	if got := tombstonesOf(t, out, "atom.xml"); !slices.Equal(got, []deleted{{idA, when}}) {
		t.Errorf("b back: got tombstones %v, want a's alone", got)
	}
	ids := 0
	for _, it := range validate.ParseFile(t, filepath.Join(out, "atom.xml")).Items {
		if it.GUID == "https://example.com/b" {
			ids++
		}
	}
	if ids != 1 {
		t.Errorf("b back: %d entries, want 1", ids)
	}

	// b moved: its old path gone, its link (and id) at another.
	moved := *b
	moved.Path = "b2.md"
	tombRound(t, out, []*loader.Post{&moved, c, keep}, day(2.5))
	if got := tombstonesOf(t, out, "atom.xml"); !slices.Equal(got, []deleted{{idA, when}}) {
		t.Errorf("b moved: got tombstones %v, want a's alone", got)
	}

	// Two days after a went, its tombstone expires.
	tombRound(t, out, []*loader.Post{&moved, c, keep}, day(3.01))
	if got := tombstonesOf(t, out, "atom.xml"); len(got) != 0 {
		t.Errorf("expired: got tombstones %v", got)
	}
	st := LoadDirState(out, BuildState, "fp", nil)
	if rs := st.Removed(); len(rs) != 1 || rs[0].Path != "b.md" {
		t.Errorf("expired: the state keeps %v, want b.md's removal alone (not expired)", rs)
	}
}

// published is the files of out but the state's.
func published(t *testing.T, out string) map[string][]byte {
	t.Helper()
	tree := feedtest.ReadTree(t, out)
	maps.DeleteFunc(tree, func(name string, _ []byte) bool { return strings.HasPrefix(name, ".feedpub/") })
	return tree
}

// checkTools runs jing (RFC 4287's schema) and Python's feedparser on the
// Atom feeds of out; each skips when its tool is missing.
func checkTools(t *testing.T, out string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "*", "*", "atom.xml"))
	files = append(files, filepath.Join(out, "atom.xml"))
	if errs := validate.Jing(t, files); len(errs) > 0 {
		t.Errorf("jing: %v", errs)
	}
	for name, p := range validate.Feedparser(t, files) {
		if p.Bozo || p.Version != "atom10" {
			t.Errorf("feedparser: %s: bozo %v (%s), version %q", name, p.Bozo, p.BozoException, p.Version)
		}
	}
}

// TestRemovalsKeptWithoutMemory: a site built without the state as its
// Memory knew of no removal: writing it leaves the state's as they are.
func TestRemovalsKeptWithoutMemory(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	a, b := testPost("a.md", "A", "x"), testPost("b.md", "B", "x")
	tombRound(t, out, []*loader.Post{a, b}, now)
	st := LoadDirState(out, BuildState, "fp", nil)
	st.UpdatePosts([]loader.Known{{Path: "b.md", Size: 1, ModTime: now, Post: b}}, now.Add(time.Hour), false)
	site, err := feed.BuildLean([]*loader.Post{b}, feed.Config{}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(site, out, Options{State: st, Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if rs := LoadDirState(out, BuildState, "fp", nil).Removed(); len(rs) != 1 || rs[0].Path != "a.md" {
		t.Errorf("got removals %v, want a.md's kept", rs)
	}
}
