//go:build linux && !osroot

package publish

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A Dir is a folder as a Target. It writes each file through a temporary
// file in the same folder and a rename, and it works relative to folder
// descriptors it holds: each folder on the way to a file is opened from
// its parent's descriptor with O_NOFOLLOW|O_DIRECTORY, and each file with
// O_NOFOLLOW, so no name and no symbolic link can take it outside the
// folder (as an os.Root, without walking every path again for every file).
// Each folder is made once. It is safe for concurrent use.
type Dir struct {
	top   *folder   // the folder itself
	start time.Time // when it was opened: older temporary files are a killed run's
	chmod bool      // the umask takes bits of 0644 away: set them after creating
	tmp   string    // this run's prefix of temporary names
	seq   atomic.Uint64

	mu      sync.Mutex
	folders map[string]*folder // by slash path inside the folder
	held    int                // folders kept open as parents
	absent  map[string]bool    // folders found missing since one was last made
}

// maxHeld bounds the parent folders a Dir keeps open between files.
const maxHeld = 256

// A folder is one folder inside a Dir, open while in use (and, as the
// parent of other folders, until Close, up to maxHeld of them).
type folder struct {
	mu sync.Mutex
	// entries is held around each call that changes the folder's entries
	// (mkdirat, a file made, renameat): writers take turns here, parked,
	// rather than queue on the folder's lock in the kernel.
	entries sync.Mutex
	fd      int // -1 when closed
	refs    int
	keep    bool // held open until Close
	seen    bool // made or found by this Dir
	made    bool // made by this Dir: it holds no file of an earlier run
}

// OpenDir opens the folder dir as a Target, making it if need be.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", &fs.PathError{Op: "open", Path: dir, Err: err})
	}
	var r [6]byte
	rand.Read(r[:])
	return &Dir{
		top:     &folder{fd: fd, keep: true, seen: true},
		start:   time.Now(),
		chmod:   umask()&0o644 != 0,
		tmp:     tmpPrefix + hex.EncodeToString(r[:]) + "-",
		folders: map[string]*folder{},
	}, nil
}

// umask reads the process's umask from /proc without changing it; when it
// cannot, it assumes the worst.
func umask() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o777
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return int(m)
			}
		}
	}
	return 0o777
}

// Close releases the folder and the folders held open in it.
func (d *Dir) Close() error {
	d.mu.Lock()
	folders := make([]*folder, 0, len(d.folders))
	for _, f := range d.folders {
		folders = append(folders, f)
	}
	d.mu.Unlock()
	for _, f := range folders {
		f.mu.Lock()
		if f.fd >= 0 {
			unix.Close(f.fd)
			f.fd = -1
		}
		f.mu.Unlock()
	}
	return unix.Close(d.top.fd)
}

// acquire returns the folder dir (a slash path inside d, "." for d
// itself) open, making it and the folders on the way with create; the
// caller releases it.
func (d *Dir) acquire(dir string, create bool) (*folder, error) {
	if dir == "." {
		return d.top, nil
	}
	d.mu.Lock()
	f := d.folders[dir]
	if f == nil {
		f = &folder{fd: -1}
		d.folders[dir] = f
	}
	d.mu.Unlock()
	f.mu.Lock() // a child's lock before its parent's: never the other way round
	defer f.mu.Unlock()
	if f.fd < 0 {
		parent, err := d.acquire(path.Dir(dir), create)
		if err != nil {
			return nil, err
		}
		d.hold(parent)
		fd, made, err := openFolder(parent, path.Base(dir), create && !f.seen)
		d.release(parent)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
		}
		if made {
			d.mu.Lock()
			d.absent = nil
			d.mu.Unlock()
		}
		f.fd = fd
		if !f.seen {
			f.seen, f.made = true, made
		}
	}
	f.refs++
	return f, nil
}

// hold keeps parent open until Close, while fewer than maxHeld are.
func (d *Dir) hold(parent *folder) {
	if parent == d.top {
		return
	}
	parent.mu.Lock()
	defer parent.mu.Unlock()
	if parent.keep {
		return
	}
	d.mu.Lock()
	if d.held < maxHeld {
		d.held++
		parent.keep = true
	}
	d.mu.Unlock()
}

// release ends a use of f from acquire.
func (d *Dir) release(f *folder) {
	if f == d.top {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refs--
	if f.refs == 0 && !f.keep && f.fd >= 0 {
		unix.Close(f.fd)
		f.fd = -1
	}
}

// openFolder opens the folder name inside the folder parent, a symbolic
// link refused; with create it makes it first, and reports whether it did.
// Only the making holds the parent's entries: opening a folder looks its
// name up, which changes none (every post page's folder is made in
// posts/, whose writers wait for one another there).
func openFolder(parent *folder, name string, create bool) (fd int, made bool, err error) {
	if create {
		parent.entries.Lock()
		err := unix.Mkdirat(parent.fd, name, 0o755)
		parent.entries.Unlock()
		switch err {
		case nil:
			made = true
		case unix.EEXIST:
		default:
			return -1, false, err
		}
	}
	fd, err = openat(parent.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err == unix.ELOOP { // O_NOFOLLOW's answer to a link: say what it is
		err = fmt.Errorf("a symbolic link, not a folder: %w", unix.ELOOP)
	}
	return fd, made, err
}

// ReadFile returns the bytes of the file name; a symbolic link is refused.
func (d *Dir) ReadFile(name string) ([]byte, error) {
	f, err := d.acquire(path.Dir(name), false)
	if err != nil {
		return nil, err
	}
	defer d.release(f)
	b, err := readAt(f.fd, path.Base(name), -1)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return b, nil
}

// WriteFile replaces the file name with body, atomically, unless it holds
// body already; it makes the folders on the way. A file in a folder this
// Dir made is written without reading what was there: nothing was.
func (d *Dir) WriteFile(name string, body []byte) (bool, error) {
	return d.writeFileAt(name, body, time.Time{})
}

// writeFileAt is WriteFile, the file written getting mod (unless zero) as
// its modification time while its folder is open (timedWriter).
func (d *Dir) writeFileAt(name string, body []byte, mod time.Time) (bool, error) {
	changed, err := d.write(name, body, mod)
	if err != nil {
		return false, fmt.Errorf("publish: writing %s: %w", name, err)
	}
	return changed, nil
}

func (d *Dir) write(name string, body []byte, mod time.Time) (bool, error) {
	dir, base := path.Dir(name), path.Base(name)
	f, err := d.acquire(dir, true)
	if err != nil {
		return false, err
	}
	defer d.release(f)
	if !f.made {
		if old, err := readAt(f.fd, base, len(body)); err == nil && old != nil && bytes.Equal(old, body) {
			return false, nil
		}
	}
	return true, d.replace(f, dir, base, mod, func(fd int) error { return writeAll(fd, body) })
}

// writeParts replaces the file name, atomically, with what fill writes to
// w, then the head fill returns written over the file's first bytes
// (streamer): a large file is written as it is made, never held whole.
func (d *Dir) writeParts(name string, fill func(w io.Writer) (head []byte, err error)) error {
	dir := path.Dir(name)
	f, err := d.acquire(dir, true)
	if err == nil {
		defer d.release(f)
		err = d.replace(f, dir, path.Base(name), time.Time{}, func(fd int) error {
			head, err := fill(fdWriter(fd))
			if err == nil {
				err = pwriteAll(fd, head, 0)
			}
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("publish: writing %s: %w", name, err)
	}
	return nil
}

// replace makes the file base in the folder f (dir) anew, atomically: a
// temporary file filled by fill, given mod (unless zero) as its
// modification time, then renamed over base.
//
// Measured and left (issue 12; ext4, Linux 6.18): a new folder made under
// a temporary name with its file written in it (openat2 beneath its
// parent), then renamed into place, takes 6 system calls, not 8, but
// 1.1-1.2x the kernel time per post page: the folder's rename searches the
// index of posts/ (10,000 entries) where a file's rename searches a
// one-file folder. An O_TMPFILE linked under its name costs what the
// temporary file and its rename do: the kernel's time here is making
// inodes and the folders' blocks, as for cp -r.
func (d *Dir) replace(f *folder, dir, base string, mod time.Time, fill func(fd int) error) error {
	tmp := d.tmp + strconv.FormatUint(d.seq.Add(1), 36)
	f.entries.Lock()
	fd, err := openat(f.fd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW, 0o644)
	f.entries.Unlock()
	if err != nil {
		return &fs.PathError{Op: "open", Path: path.Join(dir, tmp), Err: err}
	}
	err = fill(fd)
	if err == nil && d.chmod {
		err = unix.Fchmod(fd, 0o644)
	}
	if err == nil && !mod.IsZero() {
		err = futimens(fd, mod)
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	op := "write"
	if err == nil {
		f.entries.Lock()
		op, err = "rename", unix.Renameat(f.fd, tmp, f.fd, base)
		f.entries.Unlock()
	}
	if err != nil {
		unix.Unlinkat(f.fd, tmp, 0)
		return &fs.PathError{Op: op, Path: path.Join(dir, tmp), Err: err}
	}
	return nil
}

// Remove removes the file name, and the folders it leaves empty.
func (d *Dir) Remove(name string) error {
	dir := path.Dir(name)
	f, err := d.acquire(dir, false)
	if err != nil {
		return err
	}
	err = unix.Unlinkat(f.fd, path.Base(name), 0)
	d.release(f)
	if err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	for dir != "." && d.removeFolder(dir) == nil { // until one is not empty, or gone
		dir = path.Dir(dir)
	}
	return nil
}

// removeFolder removes the folder dir if it is empty, and forgets it.
func (d *Dir) removeFolder(dir string) error {
	parent, err := d.acquire(path.Dir(dir), false)
	if err != nil {
		return err
	}
	defer d.release(parent)
	if err := unix.Unlinkat(parent.fd, path.Base(dir), unix.AT_REMOVEDIR); err != nil {
		return err
	}
	d.mu.Lock()
	f := d.folders[dir]
	delete(d.folders, dir)
	d.mu.Unlock()
	if f != nil {
		f.mu.Lock()
		if f.fd >= 0 && f.refs == 0 {
			unix.Close(f.fd)
			f.fd = -1
			if f.keep {
				d.mu.Lock()
				d.held--
				d.mu.Unlock()
			}
		}
		f.mu.Unlock()
	}
	return nil
}

// makeFolder makes the folder dir and those on the way, unless made or
// found before.
func (d *Dir) makeFolder(dir string) error {
	f, err := d.acquire(dir, true)
	if err == nil {
		d.release(f)
	}
	return err
}

// holds reports whether the folder has a file at name: anything but a
// folder or a sure "not there" counts. Before a cold build writes, every
// name is asked about: a folder found missing is remembered until a
// folder is made, so that its files are answered without a system call.
func (d *Dir) holds(name string) bool {
	dir := path.Dir(name)
	d.mu.Lock()
	for up := dir; up != "." && d.absent != nil; up = path.Dir(up) {
		if d.absent[up] {
			d.mu.Unlock()
			return false
		}
	}
	d.mu.Unlock()
	f, err := d.acquire(dir, false)
	if err != nil {
		var pe *fs.PathError
		if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
			return true
		}
		d.mu.Lock()
		if d.absent == nil {
			d.absent = map[string]bool{}
		}
		d.absent[pe.Path] = true
		d.mu.Unlock()
		return false
	}
	defer d.release(f)
	var st unix.Stat_t
	if err := unix.Fstatat(f.fd, path.Base(name), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err != unix.ENOENT
	}
	return st.Mode&unix.S_IFMT != unix.S_IFDIR
}

// tidy removes the folders made by this Dir that are empty, such as the
// folder of a new post whose page could not be written.
func (d *Dir) tidy() {
	d.mu.Lock()
	folders := maps.Clone(d.folders)
	d.mu.Unlock()
	var made []string
	for dir, f := range folders { // a folder's lock is never taken under d.mu
		f.mu.Lock()
		if f.made {
			made = append(made, dir)
		}
		f.mu.Unlock()
	}
	slices.Sort(made)
	for _, dir := range slices.Backward(made) { // a folder after those inside it
		d.removeFolder(dir)
	}
}

// sweep removes the temporary files that a killed run left: they can only
// be in the folders of the files its manifest listed, the root (the
// manifest's) and the state's folder.
func (d *Dir) sweep(listed []string) {
	folders := map[string]bool{".": true, path.Clean(stateDir): true}
	for _, n := range listed {
		if _, err := fileName("/" + n); err == nil {
			folders[path.Dir(n)] = true
		}
	}
	for dir := range folders {
		f, err := d.acquire(dir, false)
		if err != nil {
			continue
		}
		d.removeStaleTemps(f.fd)
		d.release(f)
	}
}

// removeStaleTemps removes from the folder dir the temporary files older
// than this run: those of an earlier, killed one. Their age is their
// change time (ctime), which no one sets: a temporary file takes its
// Last-Modified (its mtime) before its name, and that time can be a
// second ahead of the clock (bump), so a run killed then, and run again
// within that second, left one whose mtime is not before this run.
func (d *Dir) removeStaleTemps(dir int) {
	fd, err := openat(dir, ".", unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return
	}
	list := os.NewFile(uintptr(fd), ".")
	names, _ := list.Readdirnames(-1)
	list.Close()
	for _, name := range names {
		if !strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		var st unix.Stat_t
		if unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		if time.Unix(st.Ctim.Unix()).Before(d.start) {
			unix.Unlinkat(dir, name, 0)
		}
	}
}
