package loader

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch timings: a change is reported Debounce after the last event of a
// burst, and never later than MaxDelay after the first.
const (
	Debounce = 50 * time.Millisecond
	MaxDelay = 400 * time.Millisecond
	retry    = time.Second
)

// Watch watches root and every folder below it until ctx is done, calling
// changed (never concurrently) after each burst of changes to posts or
// folders. It adds folders created later, and when the watch is lost (root
// replaced, events overflowed, inotify limits) it logs, calls changed so
// that a full rescan catches up, and watches again. It returns ctx.Err()
// or an error if no watch can be set up at all.
func Watch(ctx context.Context, root string, log *slog.Logger, changed func()) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		err := watchOnce(ctx, root, log, changed)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("watch lost; rescanning and watching again", "root", root, "error", err)
		changed()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

// watchOnce runs one fsnotify watcher until it fails or ctx is done.
func watchOnce(ctx context.Context, root string, log *slog.Logger, changed func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	rootInfo, err := os.Stat(root)
	if err != nil {
		return err
	}
	if err := addTree(w, root); err != nil {
		return err
	}
	var timer *time.Timer
	var fire <-chan time.Time
	var first time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("watcher closed")
			}
			if !relevant(ev) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					if err := addTree(w, ev.Name); err != nil {
						log.Warn("cannot watch new folder", "path", ev.Name, "error", err)
					}
				}
			}
			if ev.Name == root && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				return errors.New("seed folder removed or renamed")
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
		case err, ok := <-w.Errors:
			if !ok {
				return errors.New("watcher closed")
			}
			return err // overflow or worse: start over with a full rescan
		case <-fire:
			fire = nil
			// The folder itself may have been replaced by a rename over it.
			if fi, err := os.Stat(root); err != nil || !os.SameFile(fi, rootInfo) {
				changed()
				return errors.New("seed folder replaced")
			}
			changed()
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
