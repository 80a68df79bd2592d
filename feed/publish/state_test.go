package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/loader"
)

// TestStateRefused: a state torn, edited, of another format or another
// fingerprint is refused with a log line, and gives an empty State.
func TestStateRefused(t *testing.T) {
	out := t.TempDir()
	d, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	st := LoadState(d, BuildState, "fp", nil)
	p := testPost("a.md", "A", "x")
	st.UpdatePosts([]loader.Known{{Path: "a.md", Size: 10, ModTime: now, Post: p}}, now, true)
	site, err := feed.BuildLean([]*loader.Post{p}, feed.Config{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(site, d, Options{State: st, Now: now}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(out, BuildState))
	if err != nil {
		t.Fatal(err)
	}
	if st := LoadState(d, BuildState, "fp", nil); !st.clean || len(st.Known()) != 1 || st.Modified("rss.xml").IsZero() {
		t.Fatalf("the state saved: got clean %v, %d posts; want it read back whole", st.clean, len(st.Known()))
	}
	older := bytes.Clone(good)
	binary.BigEndian.PutUint32(older[len(stateMagic):], stateFormat-1)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-3] ^= 1
	tests := []struct {
		name, fp string
		raw      []byte
		want     string
	}{
		{"torn", "fp", good[:len(good)/2], "bad checksum"},
		{"empty", "fp", nil, "not a feedpub state"},
		{"flipped bit", "fp", flipped, "bad checksum"},
		{"older format", "fp", older, fmt.Sprintf("format %d, want %d", stateFormat-1, stateFormat)},
		{"other config", "fp2", good, "made by another feedpub, configuration or templates"},
		{"foreign", "fp", []byte("hello"), "not a feedpub state"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(out, BuildState), tc.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			st := LoadState(d, BuildState, tc.fp, slog.New(slog.NewTextHandler(&log, nil)))
			if st.clean || len(st.Known()) != 0 || !st.Modified("rss.xml").IsZero() {
				t.Errorf("got a state trusted (clean %v, %d posts)", st.clean, len(st.Known()))
			}
			if line := log.String(); !strings.Contains(line, "state .feedpub/state refused: "+tc.want) ||
				!strings.Contains(line, "rebuilding from scratch") {
				t.Errorf("got log %q, want the refusal (%s) said", line, tc.want)
			}
		})
	}
}

// TestStateTimes: a file's Last-Modified is when its bytes last changed:
// kept while they are the same, later (never equal) when they change,
// never earlier even when the clock goes back; and the files written get
// it as their modification time.
func TestStateTimes(t *testing.T) {
	out := t.TempDir()
	cfg := feed.Config{URL: "https://example.com/"}
	a, b := testPost("a.md", "A", "x"), testPost("b.md", "B", "x")
	b.Date = b.Date.Add(time.Hour)
	b.Updated = b.Date
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name    string
		posts   []*loader.Post
		now     time.Time
		changed bool // rss.xml changes
	}{
		{"first", []*loader.Post{a, b}, t0, true},
		{"same", []*loader.Post{a, b}, t0.Add(time.Hour), false},
		{"newest deleted", []*loader.Post{a}, t0.Add(2 * time.Hour), true},
		{"same second", []*loader.Post{a, b}, t0.Add(2 * time.Hour), true},
		{"clock back", []*loader.Post{a}, t0, true},
	}
	var last time.Time
	for _, s := range steps {
		d, err := OpenDir(out) // one per run, as build does
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		st := LoadState(d, BuildState, "fp", nil)
		site, err := feed.BuildLean(s.posts, cfg, s.now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Write(site, d, Options{State: st, Now: s.now}); err != nil {
			t.Fatal(err)
		}
		got := LoadState(d, BuildState, "fp", nil).Modified("rss.xml")
		switch {
		case s.changed && !got.After(last):
			t.Errorf("%s: got Last-Modified %v, want after %v", s.name, got, last)
		case !s.changed && !got.Equal(last):
			t.Errorf("%s: got Last-Modified %v, want %v kept", s.name, got, last)
		}
		if fi, err := os.Stat(filepath.Join(out, "rss.xml")); err != nil || !fi.ModTime().Equal(got) {
			t.Errorf("%s: rss.xml modified %v, want %v", s.name, fi.ModTime(), got)
		}
		last = got
	}
}

// TestStatePendingAfterKill: a run killed after it wrote some files, before
// it saved its state, leaves them listed as pending; the next run checks
// them against what they hold, even when its posts are those of the state
// (the edit was undone meanwhile).
func TestStatePendingAfterKill(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := testPost("a.md", "A", "x")
	edited := testPost("a.md", "A edited", "x")
	edited.Sum = "other"
	want := writeWithState(t, out, "fp", a, now)
	killedRun(t, out, "fp", edited, now)

	d, _ := OpenDir(out)
	defer d.Close()
	st := LoadState(d, BuildState, "fp", nil)
	if st.clean {
		t.Errorf("a state with files pending read as clean")
	}
	siteA, _ := feed.BuildLean([]*loader.Post{a}, killCfg, now)
	if _, err := Write(siteA, d, Options{State: st, Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "rss.xml")); !bytes.Equal(got, want) {
		t.Errorf("rss.xml kept the killed run's bytes:\n%s\nwant\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(out, BuildState+pendingSuffix)); err == nil {
		t.Errorf("the list of pending files is left after a complete run")
	}
	if LoadState(d, BuildState, "fp", nil).Modified("rss.xml").Before(now.Add(time.Hour)) {
		t.Errorf("rss.xml changed twice, its Last-Modified is not the last change's")
	}
}

// TestStateCodec: records read back as written; every cut of them is an
// error, never a panic or a state trusted.
func TestStateCodec(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 8, 30, 0, 123, time.UTC)
	d := stateData{
		Fingerprint: "fp",
		Posts: map[string]PostRecord{
			"a.md": newPostRecord(&loader.Post{Path: "a.md", Title: "标题", Sum: "s", Date: t0, Updated: t0.Add(time.Hour),
				Categories: []string{"金融", "x"}, Tags: []string{"t"}, Author: loader.Author{Name: "n", Email: "e@x", URL: "u"}, Draft: true}, 12, t0, false, t0),
			"b/c.html": {Size: -1, Stale: true, Post: &loader.Post{Path: "b/c.html"}},
		},
		Files:   map[string]FileRecord{"rss.xml": {Sum: Digest{1}, Key: Digest{2}, Changed: nanosOf(t0), Pending: true}, "gone.xml": {Changed: nanosOf(t0)}},
		Removed: map[string]RemovedRecord{"old.md": {When: t0, Ref: "urn:x", Feeds: []string{"", "tags/t/"}}, "new.md": {When: t0, Post: &loader.Post{Path: "new.md", Title: "N", Tags: []string{"t"}}}},
	}
	e := &stateEncoder{}
	e.data(&d)
	got, err := newStateDecoder(e.b).data()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("got %+v\nwant %+v", got, d)
	}
	for n := range len(e.b) {
		if _, err := newStateDecoder(e.b[:n]).data(); err == nil {
			t.Fatalf("cut at %d of %d bytes: got no error", n, len(e.b))
		}
	}
}

// TestStateRefusedThenKilled: a run that refuses the state it finds (made
// with another configuration) and is killed after writing a file leaves
// no state that vouches for that file: the next run with the first
// configuration writes it again.
func TestStateRefusedThenKilled(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := testPost("a.md", "A", "x")
	other := testPost("a.md", "A elsewhere", "x")
	other.Sum = "other"
	want := writeWithState(t, out, "fp", a, now)
	killedRun(t, out, "another fp", other, now)

	d, _ := OpenDir(out)
	defer d.Close()
	siteA, _ := feed.BuildLean([]*loader.Post{a}, killCfg, now)
	if _, err := Write(siteA, d, Options{State: LoadState(d, BuildState, "fp", nil), Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "rss.xml")); !bytes.Equal(got, want) {
		t.Errorf("rss.xml kept the killed run's bytes:\n%s\nwant\n%s", got, want)
	}
}

// killCfg is the site of the kill tests.
var killCfg = feed.Config{URL: "https://example.com/"}

// writeWithState writes the site of post into out with a state of
// fingerprint fp, and returns the rss.xml written.
func writeWithState(t *testing.T, out, fp string, post *loader.Post, now time.Time) []byte {
	t.Helper()
	site, _ := feed.BuildLean([]*loader.Post{post}, killCfg, now)
	d, _ := OpenDir(out)
	defer d.Close()
	if _, err := Write(site, d, Options{State: LoadState(d, BuildState, fp, nil), Now: now}); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(filepath.Join(out, "rss.xml"))
	return body
}

// killedRun is a run of the site of post into out, with a state of
// fingerprint fp, killed after its plan and one file written.
func killedRun(t *testing.T, out, fp string, post *loader.Post, now time.Time) {
	t.Helper()
	d, _ := OpenDir(out)
	defer d.Close()
	st := LoadState(d, BuildState, fp, nil)
	site, _ := feed.BuildLean([]*loader.Post{post}, killCfg, now)
	paths := site.Paths()
	files := make([]string, len(paths))
	for i, p := range paths {
		files[i], _ = fileName(p)
	}
	if _, err := st.plan(site, d, paths, files); err != nil {
		t.Fatal(err)
	}
	d.WriteFile("rss.xml", bodyAt(t, site, "/rss.xml"))
}

// TestStateFileGone: a file the site no longer has leaves the files the
// state says the folder holds, its time kept.
func TestStateFileGone(t *testing.T) {
	out := t.TempDir()
	d, _ := OpenDir(out)
	defer d.Close()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := testPost("a.md", "A", "x"), testPost("b.md", "B", "y")
	st := LoadState(d, BuildState, "fp", nil)
	for i, posts := range [][]*loader.Post{{a, b}, {a}} {
		site, _ := feed.BuildLean(posts, killCfg, now.Add(time.Duration(i)*time.Hour))
		if _, err := Write(site, d, Options{State: st, Now: now.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range st.Published() {
		if strings.Contains(p.Name, "categories/y/") {
			t.Errorf("the state lists %s, gone with post b", p.Name)
		}
	}
	if st.Modified("categories/y/rss.xml").IsZero() {
		t.Error("the time of a file gone was dropped")
	}
}

// UpdateSome, told the files that changed, leaves the state as
// UpdatePosts of every file does: edited, added and removed posts, the
// removed one recorded as such.
func TestStateUpdateSome(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	post := func(path, sum string) *loader.Post {
		return &loader.Post{Path: path, Title: path, Sum: sum, Date: now.Add(-time.Hour), Updated: now.Add(-time.Hour)}
	}
	known := func(posts ...*loader.Post) []loader.Known {
		var out []loader.Known
		for _, p := range posts {
			out = append(out, loader.Known{Path: p.Path, Size: int64(len(p.Sum)), ModTime: now, Post: p})
		}
		return out
	}
	a, b, c := post("a.md", "1"), post("b.md", "2"), post("c.md", "3")
	whole, some := LoadDirState(t.TempDir(), BuildState, "fp", nil), LoadDirState(t.TempDir(), BuildState, "fp", nil)
	whole.UpdatePosts(known(a, b, c), now, true)
	some.UpdatePosts(known(a, b, c), now, true)
	later := now.Add(time.Minute)
	b2, d := post("b.md", "22"), post("d.md", "4")
	b2s, ds := *b2, *d // each state sets the Updated of the posts it is given
	whole.UpdatePosts(known(a, b2, d), later, true)
	some.UpdateSome(known(&b2s, &ds), []string{"b.md", "c.md", "d.md"}, later, true)
	for path, r := range whole.data.Posts {
		got, ok := some.data.Posts[path]
		if !ok || got.Post.Title != r.Post.Title || !got.Post.Updated.Equal(r.Post.Updated) || !got.Raw().Equal(r.Raw()) || got.Size != r.Size {
			t.Errorf("%s: UpdateSome recorded %+v, UpdatePosts %+v", path, got, r)
		}
	}
	if len(some.data.Posts) != len(whole.data.Posts) || len(some.data.Posts) != 3 {
		t.Errorf("UpdateSome: %d posts, UpdatePosts %d, want 3", len(some.data.Posts), len(whole.data.Posts))
	}
	if _, ok := some.data.Removed["c.md"]; !ok || len(some.data.Removed) != len(whole.data.Removed) {
		t.Errorf("UpdateSome removed %v, UpdatePosts %v: want c.md", some.data.Removed, whole.data.Removed)
	}
	if !b2.Updated.Equal(later.Truncate(time.Second)) || !b2s.Updated.Equal(b2.Updated) {
		t.Errorf("the edited post's update: %v by UpdatePosts, %v by UpdateSome, want %v (its edit seen)", b2.Updated, b2s.Updated, later)
	}
}

// PublishedChanges lists every file at first, then what a Write changed:
// new files first, files with new bytes in Bytes, removed files in Gone;
// applied to the first list, the changes give what Published lists.
func TestPublishedChanges(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := LoadDirState(dir, ServeState, "fp", nil)
	post := func(path, title string) *loader.Post {
		return &loader.Post{Path: path, Title: title, Sum: title, Date: now.Add(-time.Hour), Categories: []string{path[:1]}}
	}
	write := func(now time.Time, posts ...*loader.Post) {
		t.Helper()
		site, err := feed.BuildLean(posts, feed.Config{Limit: 10, Memory: st, Location: time.UTC}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := WriteDir(site, dir, Options{State: st, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	write(now, post("a.md", "A"), post("b.md", "B"))
	c := st.PublishedChanges()
	if !c.All || len(c.Files) != len(st.Published()) || len(c.Files) == 0 {
		t.Fatalf("first call: All %v, %d files, want all %d", c.All, len(c.Files), len(st.Published()))
	}
	held := map[string]Published{}
	for _, f := range c.Files {
		held[f.Name] = f
	}
	write(now.Add(time.Minute), post("a.md", "A edited"), post("c.md", "C"))
	c = st.PublishedChanges()
	if c.All || len(c.Gone) == 0 || c.Added == 0 || len(c.Bytes) == 0 {
		t.Fatalf("after an edit, an add and a removal: %+v", c)
	}
	for i, f := range c.Files {
		if _, had := held[f.Name]; had != (i >= c.Added) {
			t.Errorf("%s listed as added %v, held before %v", f.Name, i < c.Added, had)
		}
		held[f.Name] = f
	}
	for _, name := range c.Gone {
		delete(held, name)
	}
	want := map[string]Published{}
	for _, f := range st.Published() {
		want[f.Name] = f
	}
	if !maps.Equal(held, want) {
		t.Errorf("the first list with the changes: %d files; Published: %d", len(held), len(want))
	}
	if _, ok := held["categories/c/rss.xml"]; !ok || held["categories/b/rss.xml"].Name != "" {
		t.Errorf("want categories/c/rss.xml and no categories/b/rss.xml among %v", slices.Collect(maps.Keys(held)))
	}
	if c = st.PublishedChanges(); c.All || len(c.Files)+len(c.Gone) != 0 {
		t.Errorf("no Write since: %+v", c)
	}
}

// A state written to a folder as it is encoded (streamer), in many parts,
// is the same file as the state encoded whole, and reads back.
func TestStateStreamed(t *testing.T) {
	st := benchState(3000) // over a megabyte: many parts of spillSize
	want, _ := st.encode()
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, ok := Target(d).(streamer); !ok {
		t.Skip("this Dir writes no file in parts")
	}
	if err := st.saveBase(d); err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadFile(st.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 4*spillSize || !bytes.Equal(got, want) {
		t.Fatalf("streamed state: %d bytes, want the %d bytes of encode (over %d)", len(got), len(want), 4*spillSize)
	}
	if st.size != len(want) || !bytes.Equal(st.baseSum[:], want[len(stateMagic)+4:len(stateMagic)+4+sha256.Size]) {
		t.Errorf("after the streamed save: size %d, sum %x; want %d, %x", st.size, st.baseSum, len(want), want[len(stateMagic)+4:len(stateMagic)+4+sha256.Size])
	}
	if _, err := decodeStateFile(got, "fp"); err != nil {
		t.Errorf("streamed state does not read back: %v", err)
	}
}

// TestStateCleanSweepsRoot: a run killed as it wrote the manifest, before
// it listed the files it was to write, leaves a clean state and a
// temporary file in the root; the next run removes it.
func TestStateCleanSweepsRoot(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	writeWithState(t, out, "fp", testPost("a.md", "A", "x"), now)
	// A run killed as it wrote the manifest (before it listed the files
	// it was to write) leaves its temporary file in the root; one killed
	// as it wrote the list of pending files, or the state, in the state's
	// folder.
	var debris []string
	for _, folder := range []string{out, filepath.Join(out, filepath.FromSlash(stateDir))} {
		name := filepath.Join(folder, tmpPrefix+"0123456789ab-1")
		if err := os.WriteFile(name, []byte("half a file"), 0o644); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(name, old, old); err != nil {
			t.Fatal(err)
		}
		debris = append(debris, name)
	}
	d, _ := OpenDir(out)
	defer d.Close()
	st := LoadState(d, BuildState, "fp", nil)
	if !st.clean {
		t.Fatal("the state of a finished run is not clean")
	}
	edited := testPost("a.md", "A edited", "x")
	edited.Sum = "other"
	site, _ := feed.BuildLean([]*loader.Post{edited}, killCfg, now)
	if _, err := Write(site, d, Options{State: st, Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range debris {
		if _, err := os.Stat(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the killed run's temporary file %s is still there: %v", name, err)
		}
	}
}
