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
// burst, and never later than MaxDelay after the first. A lost watch is
// set up again after retry, doubling up to maxRetry while it keeps failing.
const (
	Debounce = 50 * time.Millisecond
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
	if err := addTree(w, root); err != nil {
		return false, err
	}
	changed(nil)
	var timer *time.Timer
	var fire <-chan time.Time
	var first time.Time
	pending := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case ev, open := <-w.Events:
			if !open {
				return true, errors.New("watcher closed")
			}
			if ev.Name == root && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				return true, errors.New("seed folder removed or renamed")
			}
			if !relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					// Watch it first, then report it: Update walks it for
					// the posts it arrived with or that came since.
					if err := addTree(w, ev.Name); err != nil {
						return true, fmt.Errorf("cannot watch new folder %s: %w", ev.Name, err)
					}
				}
			}
			if ev.Has(fsnotify.Rename | fsnotify.Remove) {
				unwatch(w, ev.Name) // a folder moved out keeps its watch otherwise
			}
			pending[ev.Name] = true
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
			// The folder itself may have been replaced by a rename over it.
			if fi, err := os.Stat(root); err != nil || !os.SameFile(fi, rootInfo) {
				return true, errors.New("seed folder replaced")
			}
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			clear(pending)
			changed(paths)
		}
	}
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

// addTree watches dir and every folder below it that the loader would read.
func addTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && Ignored(d.Name()) {
			return filepath.SkipDir
		}
		return w.Add(p)
	})
}
