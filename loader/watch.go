package loader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch timings: a change is reported Debounce after the last event of a
// burst, and never later than MaxDelay after the first. The events of
// one save (an editor's write and rename, a script's create and write)
// come within a millisecond or two: the wait is a small part of the
// time from a write to its post being served. A lost watch is
// set up again after retry, doubling up to maxRetry while it keeps failing.
const (
	Debounce = 20 * time.Millisecond
	MaxDelay = 400 * time.Millisecond
	retry    = 250 * time.Millisecond
	maxRetry = 30 * time.Second
)

// Watch watches root and every folder below it until ctx is done, calling
// changed (never concurrently) after each burst of changes with the
// absolute paths of the files and folders that changed, for
// Loader.Update. It adds folders created later. Once the watch is set up,
// and again each time it is lost (root replaced, events overflowed,
// inotify limits reached) and set up anew, it calls changed(nil): nil asks
// for a full rescan, which catches what changed while nothing watched.
// It returns ctx.Err().
func Watch(ctx context.Context, root string, log *slog.Logger, changed func(paths []string)) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	wait := retry
	for {
		ok, err := watchOnce(ctx, root, log, changed)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if ok {
			wait = retry
			log.Warn("watch lost; watching again, then a full rescan", "root", root, "error", err)
		} else {
			log.Warn("cannot watch the seed folder; retrying", "root", root, "error", err, "retry_in", wait)
			changed(nil) // catch up with what happened meanwhile, as far as we can
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if !ok {
			wait = min(2*wait, maxRetry)
		}
	}
}

// watchOnce runs one fsnotify watcher until it fails or ctx is done. ok
// says whether the watch was set up; once it is, changed(nil) is called, so
// that nothing changed while no watch was in place is missed.
func watchOnce(ctx context.Context, root string, log *slog.Logger, changed func([]string)) (ok bool, err error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return false, err
	}
	defer w.Close()
	rootInfo, err := os.Stat(root)
	if err != nil {
		return false, err
	}
	// The kernel reports events by the folders' real paths, which the
	// loader reads too: a seed folder named by a symbolic link is watched
	// by its target.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false, err
	}
	t := &tree{w: w, root: root, real: realRoot, linked: map[string]bool{}, pending: map[string]bool{}}
	if err := t.add(realRoot); err != nil {
		return false, err
	}
	changed(nil)
	var timer *time.Timer
	var fire <-chan time.Time
	var first time.Time
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case ev, open := <-w.Events:
			if !open {
				return true, errors.New("watcher closed")
			}
			if noted, err := t.note(ev); err != nil || !noted {
				if err != nil {
					return true, err
				}
				continue
			}
			now := time.Now()
			if fire == nil {
				first = now
			}
			wait := min(Debounce, MaxDelay-now.Sub(first))
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			fire = timer.C
		case err, open := <-w.Errors:
			if !open {
				return true, errors.New("watcher closed")
			}
			return true, err // overflow or worse: start over with a full rescan
		case <-fire:
			fire = nil
			// The folder itself may have been replaced by a rename over it
			// (or its link pointed elsewhere).
			if fi, err := os.Stat(root); err != nil || !os.SameFile(fi, rootInfo) {
				return true, errors.New("seed folder replaced")
			}
			changed(t.take())
		}
	}
}

// tree is what one watch covers: the seed folder and the folders below it
// that the loader reads, and the changes seen since the last report.
type tree struct {
	w    *fsnotify.Watcher
	root string // the seed folder as the user named it: the paths reported are below it
	real string // root with symbolic links followed: the watched paths are below it
	// linked holds the real paths of the folders and files the loader
	// reads through a symbolic link inside the seed folder (walker.link).
	// A post there has another path for the loader than for the kernel,
	// so a change below one asks for a full rescan.
	linked  map[string]bool
	pending map[string]bool // the paths changed, in the user's terms
	rescan  bool            // a change that needs a full rescan
}

// note takes in one event; noted says whether it is a change to report. An
// error means the watch is lost.
func (t *tree) note(ev fsnotify.Event) (noted bool, err error) {
	if ev.Name == t.real && ev.Has(fsnotify.Remove|fsnotify.Rename) {
		return false, errors.New("seed folder removed or renamed")
	}
	if !relevant(ev) {
		return false, nil
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && (fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0) {
			// Watch it first, then report it: Update walks it for
			// the posts it arrived with or that came since.
			if err := t.add(ev.Name); err != nil {
				return false, fmt.Errorf("cannot watch new folder %s: %w", ev.Name, err)
			}
		}
	}
	if ev.Has(fsnotify.Rename | fsnotify.Remove) {
		unwatch(t.w, ev.Name) // a folder moved out keeps its watch otherwise
	}
	if t.viaLink(ev.Name) {
		t.rescan = true
	} else {
		t.pending[t.user(ev.Name)] = true
	}
	return true, nil
}

// take returns the changes seen since the last call, sorted, for Update:
// nil for a full rescan.
func (t *tree) take() []string {
	defer clear(t.pending)
	if t.rescan {
		t.rescan = false
		return nil
	}
	paths := make([]string, 0, len(t.pending))
	for p := range t.pending {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// user is a watched path p in the user's terms: below root rather than
// below its real path.
func (t *tree) user(p string) string {
	if t.real == t.root {
		return p
	}
	if p == t.real {
		return t.root
	}
	if rest, ok := strings.CutPrefix(p, t.real+string(filepath.Separator)); ok {
		return filepath.Join(t.root, rest)
	}
	return p
}

// viaLink reports whether p is, or is below, a path the loader reads
// through a symbolic link.
func (t *tree) viaLink(p string) bool {
	for l := range t.linked {
		if p == l || strings.HasPrefix(p, l+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// add watches dir (a real path) and every folder below it that the loader
// would read, following the symbolic links that the loader follows.
func (t *tree) add(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil
		}
		if p != dir && Ignored(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return t.link(p)
		}
		if !d.IsDir() {
			return nil
		}
		return t.w.Add(p)
	})
}

// link watches what the symbolic link at p leads to, if the loader reads
// it (walker.link): a folder or file inside the seed folder. A link to a
// folder it is in leads nowhere new: the loader has walked it already.
func (t *tree) link(p string) error {
	target, err := filepath.EvalSymlinks(p)
	if err != nil || !within(t.real, target) || within(target, filepath.Dir(p)) || t.linked[target] {
		return nil // broken, outside, a loop, or watched already
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil
	}
	t.linked[target] = true
	if fi.IsDir() {
		return t.add(target)
	}
	return t.w.Add(filepath.Dir(target))
}

// relevant reports whether an event can change the posts: events on post
// files and folders, not on editors' temporary files or chmod alone.
func relevant(ev fsnotify.Event) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	base := filepath.Base(ev.Name)
	if Ignored(base) {
		return false
	}
	if IsPostFile(base) {
		return true
	}
	// Folders (and links to them) have no extension we know; a file of
	// another kind changes nothing. A removed name cannot be checked, so it
	// counts if it has no extension.
	if fi, err := os.Stat(ev.Name); err == nil {
		return fi.IsDir()
	}
	return filepath.Ext(base) == ""
}

// unwatch stops watching a folder that was renamed or removed, and every
// folder below it.
func unwatch(w *fsnotify.Watcher, dir string) {
	prefix := dir + string(filepath.Separator)
	for _, p := range w.WatchList() {
		if p == dir || strings.HasPrefix(p, prefix) {
			w.Remove(p)
		}
	}
}
