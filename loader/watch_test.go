package loader

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"feedpub/internal/longtest"

	"github.com/fsnotify/fsnotify"
)

func postText(title string) []byte {
	return []byte(fmt.Sprintf("---\ntitle: %s\ndate: 2024-01-02 10:00\n---\n<p>%s</p>\n", title, title))
}

func writePost(t *testing.T, name, title string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, postText(title), 0o644); err != nil {
		t.Fatal(err)
	}
}

// watchRig runs Watch on a folder and applies each reported change to a
// Loader, as serve does.
type watchRig struct {
	t       *testing.T
	root    string
	ld      *Loader
	batches chan []string
	calls   atomic.Int32
	rescans atomic.Int32
}

func startWatch(t *testing.T, root string) *watchRig {
	t.Helper()
	r := &watchRig{t: t, root: root, ld: New(Config{Root: root}), batches: make(chan []string, 1000)}
	if _, err := r.ld.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, root, nil, func(paths []string) {
			r.calls.Add(1)
			if paths == nil {
				r.rescans.Add(1)
			}
			select {
			case r.batches <- paths:
			case <-ctx.Done():
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	time.Sleep(50 * time.Millisecond) // let the watch be set up
	return r
}

// waitFor applies reported changes until the posts' titles are want, or
// fails after 5 seconds.
func (r *watchRig) waitFor(want ...string) {
	r.t.Helper()
	slices.Sort(want)
	deadline := time.After(5 * time.Second)
	var got []string
	for {
		select {
		case paths := <-r.batches:
			var res *Result
			var err error
			if paths == nil {
				res, err = r.ld.Scan(context.Background())
			} else {
				res, err = r.ld.Update(context.Background(), paths)
			}
			if err != nil {
				continue // the folder may be missing for a moment
			}
			got = got[:0]
			for _, p := range res.Posts {
				got = append(got, p.Title)
			}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return
			}
		case <-deadline:
			r.t.Fatalf("after 5s got posts %q, want %q", got, want)
		}
	}
}

func TestWatch(t *testing.T) {
	tests := []struct {
		name   string
		before func(t *testing.T, root string)
		change func(t *testing.T, root string)
		want   []string
	}{
		{
			name:   "new file",
			change: func(t *testing.T, root string) { writePost(t, filepath.Join(root, "a.md"), "A") },
			want:   []string{"A"},
		},
		{
			name: "save by rename over a post",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "a.md"), "A")
			},
			change: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, ".a.md.swp"), "A2")
				if err := os.Rename(filepath.Join(root, ".a.md.swp"), filepath.Join(root, "a.md")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"A2"},
		},
		{
			name: "edit in place",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "a.md"), "A")
			},
			change: func(t *testing.T, root string) { writePost(t, filepath.Join(root, "a.md"), "A3") },
			want:   []string{"A3"},
		},
		{
			name: "rename",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "sub", "a.md"), "A")
			},
			change: func(t *testing.T, root string) {
				if err := os.Rename(filepath.Join(root, "sub", "a.md"), filepath.Join(root, "sub", "a.txt")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"A"},
		},
		{
			name: "delete",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "a.md"), "A")
				writePost(t, filepath.Join(root, "b.md"), "B")
			},
			change: func(t *testing.T, root string) { os.Remove(filepath.Join(root, "a.md")) },
			want:   []string{"B"},
		},
		{
			name: "new subfolder with posts already in it",
			change: func(t *testing.T, root string) {
				outside := t.TempDir()
				writePost(t, filepath.Join(outside, "new", "x.md"), "X")
				writePost(t, filepath.Join(outside, "new", "deep", "y.md"), "Y")
				if err := os.Rename(filepath.Join(outside, "new"), filepath.Join(root, "new")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"X", "Y"},
		},
		{
			name: "folder made and filled at once",
			change: func(t *testing.T, root string) {
				for i := range 5 {
					writePost(t, filepath.Join(root, "n", "m", fmt.Sprintf("%d.md", i)), fmt.Sprint("N", i))
				}
			},
			want: []string{"N0", "N1", "N2", "N3", "N4"},
		},
		{
			name: "folder moved out",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "keep.md"), "K")
				writePost(t, filepath.Join(root, "old", "a.md"), "A")
				writePost(t, filepath.Join(root, "old", "deep", "b.md"), "B")
			},
			change: func(t *testing.T, root string) {
				if err := os.Rename(filepath.Join(root, "old"), filepath.Join(t.TempDir(), "old")); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"K"},
		},
		{
			name: "folder renamed inside",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "old", "a.md"), "A")
			},
			change: func(t *testing.T, root string) {
				if err := os.Rename(filepath.Join(root, "old"), filepath.Join(root, "new")); err != nil {
					t.Fatal(err)
				}
				writePost(t, filepath.Join(root, "new", "b.md"), "B")
			},
			want: []string{"A", "B"},
		},
		{
			name: "temporary files only",
			before: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "a.md"), "A")
			},
			change: func(t *testing.T, root string) {
				writePost(t, filepath.Join(root, "a.md~"), "T1")
				writePost(t, filepath.Join(root, "#a.md#"), "T2")
				writePost(t, filepath.Join(root, "b.md"), "B") // so there is a change to wait for
			},
			want: []string{"A", "B"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if tt.before != nil {
				tt.before(t, root)
			}
			r := startWatch(t, root)
			tt.change(t, root)
			r.waitFor(tt.want...)
		})
	}
}

// A burst of files copied in at once gives a handful of changes, not one
// per file.
func TestWatchCoalescesBursts(t *testing.T) {
	root := t.TempDir()
	r := startWatch(t, root)
	const n = 1000
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("P%04d", i)
		writePost(t, filepath.Join(root, fmt.Sprintf("d%d", i%10), want[i]+".md"), want[i])
	}
	r.waitFor(want...)
	if got := r.calls.Load() - 1; got > 20 { // the first is the rescan at the start
		t.Errorf("got %d change reports for %d files, want a handful (at most 20)", got, n)
	}
	t.Logf("%d files gave %d change reports", n, r.calls.Load())
}

// When the seed folder itself is replaced the watch is lost: Watch asks for
// a full rescan and watches the new folder.
func TestWatchRootReplaced(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "seeds")
	writePost(t, filepath.Join(root, "a.md"), "A")
	r := startWatch(t, root)
	r.waitFor("A")
	before := r.rescans.Load()

	next := filepath.Join(parent, "seeds.new")
	writePost(t, filepath.Join(next, "b.md"), "B")
	if err := os.Rename(root, filepath.Join(parent, "seeds.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, root); err != nil {
		t.Fatal(err)
	}
	r.waitFor("B")
	if r.rescans.Load() == before {
		t.Errorf("got no full rescan after the seed folder was replaced, want one")
	}
	// The new folder is watched.
	writePost(t, filepath.Join(root, "c.md"), "C")
	r.waitFor("B", "C")
}

func TestRelevant(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "dir"), 0o755)
	tests := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"a.md", fsnotify.Create, true},
		{"a.md", fsnotify.Write, true},
		{"a.md", fsnotify.Chmod, false},
		{"a.html", fsnotify.Rename, true},
		{".a.md.swp", fsnotify.Create, false},
		{"a.md~", fsnotify.Write, false},
		{"#a.md#", fsnotify.Create, false},
		{"4913", fsnotify.Create, true}, // vim's probe file: gone, no extension, counts
		{"a.md.tmp", fsnotify.Rename, false},
		{"picture.png", fsnotify.Create, false},
		{"dir", fsnotify.Create, true},
		{"gone-folder", fsnotify.Remove, true},
		{".git", fsnotify.Create, false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.op.String(), func(t *testing.T) {
			got := relevant(fsnotify.Event{Name: filepath.Join(root, tt.name), Op: tt.op})
			if got != tt.want {
				t.Errorf("relevant(%s %s) = %v, want %v", tt.op, tt.name, got, tt.want)
			}
		})
	}
}

// When the kernel's event queue overflows (here: the callback is stuck
// while more files arrive than the queue holds), Watch asks for a full
// rescan, and everything is found.
func TestWatchOverflowRescans(t *testing.T) {
	longtest.Mark(t, "writes 20,000 files")
	limit, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skip("no inotify queue limit to overflow")
	}
	var max int
	fmt.Sscan(string(limit), &max)
	if max <= 0 || max > 100_000 {
		t.Skipf("inotify queue of %d events: too large to overflow here", max)
	}
	root := t.TempDir()
	ld := New(Config{Root: root})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stuck := make(chan struct{})
	calls := make(chan []string, 100)
	var rescans atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		first := true
		Watch(ctx, root, nil, func(paths []string) {
			if paths == nil {
				rescans.Add(1)
			}
			if first { // the rescan at the start: stay here while files pile up
				first = false
				<-stuck
			}
			select {
			case calls <- paths:
			case <-ctx.Done():
			}
		})
	}()
	defer func() { cancel(); <-done }()
	n := max + 1000 // each file gives at least a create event
	for i := range n {
		name := filepath.Join(root, fmt.Sprintf("%06d.md", i))
		if err := os.WriteFile(name, postText(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	close(stuck)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case paths := <-calls:
			if paths != nil || rescans.Load() < 2 {
				continue // the start's rescan, or bursts before the overflow
			}
			res, err := ld.Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != n {
				t.Errorf("got %d posts after the rescan, want %d", len(res.Posts), n)
			}
			return
		case <-deadline:
			t.Fatalf("no full rescan after %d files overflowed a queue of %d events (rescans: %d)", n, max, rescans.Load())
		}
	}
}

// started waits for the full rescan Watch asks for at its start and
// applies it, so that what follows is seen through events only (waitFor
// alone would find a change made before the start's rescan by the rescan).
func (r *watchRig) started() {
	r.t.Helper()
	select {
	case paths := <-r.batches:
		if paths != nil {
			r.t.Fatalf("got changes %q first, want the full rescan", paths)
		}
		if _, err := r.ld.Scan(context.Background()); err != nil {
			r.t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		r.t.Fatal("no full rescan 5s after the watch started")
	}
}

// A seed folder named by a symbolic link is watched by its target, and
// the changes are reported by the name the user gave.
func TestWatchLinkedRoot(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "seeds")
	if err := os.Symlink(real, root); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	r := startWatch(t, root)
	r.started()
	name := filepath.Join(root, "a.md")
	writePost(t, name, "A")
	deadline := time.After(2 * time.Second)
	for {
		select {
		case paths := <-r.batches:
			if !slices.Contains(paths, name) {
				t.Fatalf("got changes %q, want %s among them", paths, name)
			}
			res, err := r.ld.Update(context.Background(), paths)
			if err != nil || len(res.Posts) != 1 || res.Posts[0].Title != "A" {
				t.Fatalf("Update(%q) = %v, %v; want post A", paths, res, err)
			}
			return
		case <-deadline:
			t.Fatalf("no change reported 2s after %s was written", name)
		}
	}
}

// A folder the loader reads through a symbolic link inside the seed folder
// is watched, and a change in it is seen by every path the loader gives
// its posts.
func TestWatchLinkedFolder(t *testing.T) {
	tests := []struct {
		name   string
		target string // the linked folder, in the seed folder
		link   string
		change string // the post written, below target
		want   []string
	}{
		// The loader reads a hidden folder only through the link.
		{"hidden target", ".drafts/posts", "posts", "y.md", []string{"X", "Y"}},
		// The loader reads the folder twice: as itself and through the link.
		{"target read twice", "z-real", "a-link", "y.md", []string{"X", "X", "Y", "Y"}},
		{"edit in place", "z-real", "a-link", "x.md", []string{"Y", "Y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			target := filepath.Join(root, filepath.FromSlash(tt.target))
			writePost(t, filepath.Join(target, "x.md"), "X")
			if err := os.Symlink(target, filepath.Join(root, tt.link)); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			r := startWatch(t, root)
			r.started()
			writePost(t, filepath.Join(target, tt.change), "Y")
			r.waitFor(tt.want...)
		})
	}
}
