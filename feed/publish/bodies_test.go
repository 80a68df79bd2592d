package publish

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/flate"

	"feedpub/feed"
	"feedpub/loader"
)

// bodyRound builds posts leanly (at most 30 items a feed) and writes them into
// out with its state, as build does, and returns the site.
func bodyRound(t *testing.T, out string, posts []*loader.Post, now time.Time, log *bytes.Buffer) *feed.Site {
	t.Helper()
	return bodyRoundWith(t, out, posts, now, LoadDirState(out, BuildState, "fp", slog.New(slog.NewTextHandler(log, nil))))
}

// bodyRoundWith is bodyRound with the state st.
func bodyRoundWith(t *testing.T, out string, posts []*loader.Post, now time.Time, st *State) *feed.Site {
	t.Helper()
	site, err := feed.BuildLean(posts, feed.Config{Limit: 30, Memory: st}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(site, out, Options{State: st, Now: now}); err != nil {
		t.Fatal(err)
	}
	return site
}

// checkKept checks that a state read anew gives the content of every
// post in the feeds of site, as they carry it.
func checkKept(t *testing.T, out string, site *feed.Site, when string) {
	t.Helper()
	st := LoadDirState(out, BuildState, "fp", nil)
	n := 0
	for k := range site.KeptPosts() {
		n++
		packed, ok := k.Packed()
		want, err := feed.Unpack(packed)
		if !ok || err != nil {
			t.Fatalf("%s: %s: no content made", when, k.Path)
		}
		if got, ok := st.Content(k.Path, k.Version); !ok || got != want {
			t.Errorf("%s: %s: got kept %v %q, want %q", when, k.Path, ok, got, want)
		}
		if _, ok := st.Content(k.Path, k.Version+"x"); ok {
			t.Errorf("%s: %s: another version's content given", when, k.Path)
		}
	}
	if n == 0 {
		t.Fatalf("%s: no post in feeds", when)
	}
}

// segments lists the segments in out.
func segments(t *testing.T, out string) []string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(out, ".feedpub", "bodies.*"))
	return names
}

// TestBodiesKept: the content of the posts in feeds is kept, and only
// theirs for long: over many edits the segments stay few and small.
func TestBodiesKept(t *testing.T) {
	out := t.TempDir()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var posts []*loader.Post
	for i := range 40 {
		p := testPost(fmt.Sprintf("p%02d.md", i), fmt.Sprintf("P%d", i), fmt.Sprintf("c%d", i%3))
		p.Body = strings.Repeat(fmt.Sprintf("<p>post %d, words and <a href=\"/x\">links</a>.</p>", i), 10)
		p.Sum = "v0"
		posts = append(posts, p)
	}
	var log bytes.Buffer
	site := bodyRound(t, out, posts, now, &log)
	checkKept(t, out, site, "first")
	most := 0
	for round := 1; round <= 40; round++ {
		p := *posts[round%len(posts)] // each in a segment of its own
		p.Sum = fmt.Sprint("v", round)
		p.Body = strings.Repeat(fmt.Sprintf("<p>edit %d</p>", round), 50)
		p.Date = p.Date.Add(time.Duration(round) * time.Minute)
		p.Updated = p.Date
		posts[round%len(posts)] = &p
		site = bodyRound(t, out, posts, now, &log)
		most = max(most, len(segments(t, out)))
	}
	checkKept(t, out, site, "after 40 edits")
	if most > maxSegments+1 {
		t.Errorf("got up to %d segments, want at most %d", most, maxSegments+1)
	}
	var size, live int64
	for _, name := range segments(t, out) {
		fi, _ := os.Stat(name)
		size += fi.Size()
	}
	for k := range site.KeptPosts() {
		packed, _ := k.Packed()
		live += int64(len(packed))
	}
	if size > 2*live+96<<10 { // dead records: no more than the live ones, or 64 KB
		t.Errorf("the segments take %d bytes, for %d bytes of content in feeds", size, live)
	}
	if log.Len() > 0 {
		t.Errorf("got log %q, want none", log.String())
	}
}

// TestBodiesRefused: a torn index or segment is refused with a log line,
// its content not given, and kept anew by the next build that makes a
// feed; a segment a killed run left is removed.
func TestBodiesRefused(t *testing.T) {
	for _, torn := range []string{"bodies", "bodies.0"} {
		t.Run(torn, func(t *testing.T) {
			out := refusedRound(t, torn, "bad checksum", func(out string, _ *feed.Site) {
				name := filepath.Join(out, ".feedpub", torn)
				raw, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				raw[len(raw)-2] ^= 1
				os.WriteFile(name, raw, 0o644)
				os.WriteFile(filepath.Join(out, ".feedpub", "bodies.7"), []byte("left by a killed run"), 0o644)
			})
			if _, err := os.Stat(filepath.Join(out, ".feedpub", "bodies.7")); err == nil {
				t.Errorf("a killed run's segment is still there")
			}
		})
	}
}

// refusedRound builds two posts into a new folder, spoils the file named
// bad of the content kept there, and checks that a state read anew gives
// none of the content, with a log line saying why (want), and that the
// build that found it so (a feed made) keeps the content anew. It returns
// the folder.
func refusedRound(t *testing.T, bad, want string, spoil func(out string, site *feed.Site)) string {
	t.Helper()
	out := t.TempDir()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	posts := []*loader.Post{testPost("a.md", "A", "x"), testPost("b.md", "B", "x")}
	posts[0].Sum, posts[1].Sum = "a", "b"
	var log bytes.Buffer
	site := bodyRound(t, out, posts, now, &log)
	spoil(out, site)

	st := LoadDirState(out, BuildState, "fp", slog.New(slog.NewTextHandler(&log, nil)))
	for k := range site.KeptPosts() {
		if got, ok := st.Content(k.Path, k.Version); ok {
			t.Errorf("%s: content %q given from a refused %s", k.Path, got, bad)
		}
	}
	if want := "kept content .feedpub/" + bad + " refused: " + want; !strings.Contains(log.String(), want) {
		t.Errorf("got log %q, want %q", log.String(), want)
	}
	posts[1] = testPost("c.md", "C", "x")
	posts[1].Sum = "c"
	site = bodyRoundWith(t, out, posts, now, st)
	checkKept(t, out, site, "after the refusal")
	return out
}

// writeOldBodies writes the content kept of site's posts in feeds as a
// feedpub before S2 did: records of raw DEFLATE content, in files of
// format 1. The index is of format 1 too unless index1 is false.
func writeOldBodies(t *testing.T, out string, site *feed.Site, index1 bool) {
	t.Helper()
	idx := &bodyIndex{next: 1, segs: map[uint64]int{}, entries: map[string]bodyEntry{}}
	seg := newSealed(segmentMagic, 0)
	head := len(seg.b)
	for k := range site.KeptPosts() {
		packed, _ := k.Packed()
		content, err := feed.Unpack(packed)
		if err != nil {
			t.Fatal(err)
		}
		var deflated bytes.Buffer
		w, _ := flate.NewWriter(&deflated, flate.BestSpeed)
		w.Write([]byte(content))
		w.Close()
		var rec stateEncoder
		rec.str(k.Path)
		rec.str(k.Version)
		rec.str(deflated.String())
		idx.entries[k.Path] = bodyEntry{version: k.Version, seg: 0, off: len(seg.b) - head, n: len(rec.b)}
		seg.b = append(seg.b, rec.b...)
	}
	idx.segs[0] = len(seg.b) - head
	index := idx.encode("fp")
	if index1 {
		body, err := unseal(index, bodiesMagic, bodiesFormat, "an index")
		if err != nil {
			t.Fatal(err)
		}
		e := newSealed(bodiesMagic, len(body))
		e.b = append(e.b, body...)
		index = e.seal(bodiesMagic, 1)
	}
	for name, raw := range map[string][]byte{bodiesIndex: index, segmentName(0): seg.seal(segmentMagic, 1)} {
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(name)), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBodiesOldFormat: content kept by a feedpub that packed it as raw
// DEFLATE (format 1) is refused with a log line, never given (as
// content, misread), and kept anew by the next build.
func TestBodiesOldFormat(t *testing.T) {
	for _, old := range []string{"bodies", "bodies.0"} {
		t.Run(old, func(t *testing.T) {
			refusedRound(t, old, "format 1, want 2", func(out string, site *feed.Site) {
				writeOldBodies(t, out, site, old == "bodies")
			})
		})
	}
}
