package publish

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"feedpub/loader"
)

// logTestState saves, into a fresh folder, a state of n posts and their
// files (the base), then one change per post of change (each Save a
// record of the log). It returns the folder and what the state held
// after each Save.
func logTestState(t *testing.T, n int, change []int) (string, []stateData) {
	t.Helper()
	out := t.TempDir()
	d, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	st := LoadState(d, BuildState, "fp", nil)
	known := make([]loader.Known, n)
	for i := range known {
		path := fmt.Sprintf("p%03d.md", i)
		known[i] = loader.Known{Path: path, Size: 10, ModTime: now, Post: testPost(path, "T", "c")}
	}
	var saved []stateData
	save := func() {
		if err := st.Save(d); err != nil {
			t.Fatal(err)
		}
		saved = append(saved, cloneData(&st.data))
	}
	st.UpdatePosts(known, now, true)
	for i := range known {
		st.record(fmt.Sprintf("posts/%03d/index.html", i), digestOf("sum"), "key", true, now)
	}
	save()
	for k, i := range change {
		now = now.Add(time.Minute)
		if i < 0 { // a post removed
			known = append(known[:-i:-i], known[-i+1:]...)
		} else {
			p := *known[i].Post
			p.Title, p.Sum = fmt.Sprint("edit ", k), fmt.Sprint("sum ", k)
			known[i].Post, known[i].Size = &p, int64(11+k)
			st.record(fmt.Sprintf("posts/%03d/index.html", i), digestOf(fmt.Sprint("sum ", k)), "key", true, now)
		}
		st.UpdatePosts(known, now, true)
		save()
	}
	return out, saved
}

func cloneData(d *stateData) stateData {
	raw := newSealed(stateMagic, 0)
	raw.data(d)
	c, err := newStateDecoder(raw.b[len(stateMagic)+4+sha256.Size:]).data()
	if err != nil {
		panic(err)
	}
	return c
}

func loadData(t *testing.T, out string, log *bytes.Buffer) *State {
	t.Helper()
	d, err := OpenDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return LoadState(d, BuildState, "fp", slog.New(slog.NewTextHandler(log, nil)))
}

// TestStateLog: a Save after a few changes appends them to the log
// rather than writing the base again, and a state read back is the one
// saved, base and log.
func TestStateLog(t *testing.T) {
	out, saved := logTestState(t, 200, []int{3, 7, -5, 3})
	base, err := os.ReadFile(filepath.Join(out, BuildState))
	if err != nil {
		t.Fatal(err)
	}
	logRaw, err := os.ReadFile(filepath.Join(out, BuildState+logSuffix))
	if err != nil {
		t.Fatalf("no log after small changes: %v", err)
	}
	if len(logRaw) > len(base)/4 {
		t.Errorf("the log of 4 changes takes %d bytes, the base of 200 posts %d: the changes were not appended alone", len(logRaw), len(base))
	}
	var log bytes.Buffer
	st := loadData(t, out, &log)
	if !st.clean || log.Len() > 0 {
		t.Fatalf("state refused or not clean (clean %v): %s", st.clean, log.String())
	}
	want := saved[len(saved)-1]
	if !reflect.DeepEqual(st.data, want) {
		t.Errorf("the state read back differs from the one saved:\n got %d posts, %d files\nwant %d posts, %d files",
			len(st.data.Posts), len(st.data.Files), len(want.Posts), len(want.Files))
	}
	if _, ok := st.data.Posts["p005.md"]; ok {
		t.Error("the post removed is in the state read back")
	}
}

// TestStateLogTorn: a log cut anywhere in its last record (a run killed
// while appending it) gives the state saved before that record, with a
// log line; a record damaged with more after it refuses the state; a log
// left beside a newer base is ignored.
func TestStateLogTorn(t *testing.T) {
	out, saved := logTestState(t, 50, []int{1, 2})
	name := filepath.Join(out, BuildState+logSuffix)
	full, _ := os.ReadFile(name)
	last := len(full)
	for at := logHead; at < len(full); { // the start of the last record
		size := recHead + int(uint32(full[at])<<24|uint32(full[at+1])<<16|uint32(full[at+2])<<8|uint32(full[at+3]))
		if at+size == len(full) {
			last = at
		}
		at += size
	}
	for cut := last + 1; cut < len(full); cut += max(1, (len(full)-last)/13) {
		os.WriteFile(name, full[:cut], 0o644)
		var log bytes.Buffer
		st := loadData(t, out, &log)
		if !reflect.DeepEqual(st.data, saved[1]) || !strings.Contains(log.String(), "torn") {
			t.Fatalf("log cut at %d of %d: got %d posts (want the state before its last record), log %q", cut, len(full), len(st.data.Posts), log.String())
		}
	}
	// Saved again after a torn tail: the new record replaces it.
	os.WriteFile(name, full[:last+5], 0o644)
	d, _ := OpenDir(out)
	st := LoadState(d, BuildState, "fp", nil)
	st.record("posts/000/index.html", digestOf("again"), "key", true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := st.Save(d); err != nil {
		t.Fatal(err)
	}
	d.Close()
	var log bytes.Buffer
	if got := loadData(t, out, &log); got.data.Files["posts/000/index.html"].Sum != digestOf("again") || log.Len() > 0 {
		t.Errorf("after a torn tail, the record saved next: got sum %q, log %q", got.data.Files["posts/000/index.html"].Sum, log.String())
	}

	damaged := bytes.Clone(full)
	damaged[logHead+recHead+2] ^= 1 // in the first of two records
	os.WriteFile(name, damaged, 0o644)
	log.Reset()
	if st := loadData(t, out, &log); len(st.data.Posts) != 0 || !strings.Contains(log.String(), "refused") {
		t.Errorf("a damaged record before another: got %d posts, log %q; want the state refused", len(st.data.Posts), log.String())
	}

	stale := bytes.Clone(full)
	stale[len(logMagic)+4] ^= 1 // the checksum of another base
	os.WriteFile(name, stale, 0o644)
	log.Reset()
	if st := loadData(t, out, &log); !reflect.DeepEqual(st.data, saved[0]) || log.Len() > 0 {
		t.Errorf("a log of another base: got %d posts, log %q; want the base alone", len(st.data.Posts), log.String())
	}
}

// TestStateLogCompacted: once the log outgrows its share of the base, the
// next Save writes the base again and removes the log.
func TestStateLogCompacted(t *testing.T) {
	change := make([]int, 40)
	for i := range change {
		change[i] = i % 10
	}
	out, saved := logTestState(t, 20, change)
	base, _ := os.ReadFile(filepath.Join(out, BuildState))
	logRaw, err := os.ReadFile(filepath.Join(out, BuildState+logSuffix))
	if err == nil && len(logRaw) > len(base)/maxLogShare+1024 {
		t.Errorf("the log holds %d bytes beside a base of %d: never compacted", len(logRaw), len(base))
	}
	var log bytes.Buffer
	if st := loadData(t, out, &log); !reflect.DeepEqual(st.data, saved[len(saved)-1]) {
		t.Errorf("after compaction the state read back differs from the one saved (log %q)", log.String())
	}
}

// TestStateLogRemoved: a log removed behind the State's back (by hand)
// does not fail the next Save: the base is written whole.
func TestStateLogRemoved(t *testing.T) {
	out, _ := logTestState(t, 20, []int{1})
	d, _ := OpenDir(out)
	defer d.Close()
	st := LoadState(d, BuildState, "fp", nil)
	os.Remove(filepath.Join(out, BuildState+logSuffix))
	st.record("posts/001/index.html", digestOf("after"), "key", true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := st.Save(d); err != nil {
		t.Fatalf("Save after the log was removed: %v", err)
	}
	var log bytes.Buffer
	if got := loadData(t, out, &log); got.data.Files["posts/001/index.html"].Sum != digestOf("after") || log.Len() > 0 {
		t.Errorf("got sum %q, log %q; want the record saved", got.data.Files["posts/001/index.html"].Sum, log.String())
	}
}

// TestStateLogBigChange: a Save after most files changed (a first build's
// pages) writes the base again rather than a record as large.
func TestStateLogBigChange(t *testing.T) {
	out, _ := logTestState(t, 40, []int{1})
	d, _ := OpenDir(out)
	defer d.Close()
	st := LoadState(d, BuildState, "fp", nil)
	for i := range 40 {
		st.record(fmt.Sprintf("posts/%03d/index.html", i), digestOf("big"), "key", true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	if err := st.Save(d); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, BuildState+logSuffix)); err == nil {
		t.Error("a change of most files went to the log, not the base")
	}
	var log bytes.Buffer
	if got := loadData(t, out, &log); got.data.Files["posts/039/index.html"].Sum != digestOf("big") {
		t.Errorf("the base written does not hold the change (log %q)", log.String())
	}
}
