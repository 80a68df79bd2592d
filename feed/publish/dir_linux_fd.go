//go:build linux && !osroot

package publish

import (
	"fmt"
	"io/fs"
	"path"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls on descriptors that Dir (dir_linux.go) makes, again
// after EINTR.

// openat is unix.Openat, close-on-exec, again after EINTR.
func openat(dir int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flags|unix.O_CLOEXEC, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// futimens gives the open file fd the access and modification time mod:
// utimensat on the descriptor itself (a nil path), as the C library's
// futimens, where unix.Futimes looks up /proc/self/fd/N as a path.
func futimens(fd int, mod time.Time) error {
	ts := [2]unix.Timespec{unix.NsecToTimespec(mod.UnixNano()), unix.NsecToTimespec(mod.UnixNano())}
	for {
		_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
		switch e {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return e
	}
}

// readAt reads the file name in the folder dir; with want >= 0, a file of
// another size gives nil and no error without being read.
func readAt(dir int, name string, want int) ([]byte, error) {
	fd, err := openat(dir, name, unix.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("not a regular file: %w", unix.EISDIR)
	}
	if want >= 0 && st.Size != int64(want) {
		return nil, nil
	}
	b := make([]byte, st.Size)
	n := 0
	for n < len(b) {
		m, err := unix.Read(fd, b[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return b[:n], nil
}

// writeAll writes b to fd, through short writes and EINTR.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// pwriteAll writes b to fd at offset at, through short writes and EINTR.
func pwriteAll(fd int, b []byte, at int64) error {
	for len(b) > 0 {
		n, err := unix.Pwrite(fd, b, at)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b, at = b[n:], at+int64(n)
	}
	return nil
}

// An fdWriter writes to a descriptor (writeAll).
type fdWriter int

func (w fdWriter) Write(b []byte) (int, error) {
	if err := writeAll(int(w), b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// writeAt writes b into the file name at offset at, the file cut there
// first (appender): what a torn write left after at goes.
func (d *Dir) writeAt(name string, at int64, b []byte) error {
	f, err := d.acquire(path.Dir(name), false)
	if err != nil {
		return err
	}
	defer d.release(f)
	fd, err := openat(f.fd, path.Base(name), unix.O_WRONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	err = unix.Ftruncate(fd, at)
	if err == nil {
		err = pwriteAll(fd, b, at)
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

// Forget lets go of what d remembers of the folders that are not open
// now: a Dir that lives long, as serve's does, would otherwise keep one
// for each folder it ever wrote into (100,000 for the pages of as many
// posts, 8 MB). A folder forgotten is found again when next written into.
func (d *Dir) Forget() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for dir, f := range d.folders {
		if !f.mu.TryLock() { // in use: a folder's lock is never waited for under d.mu
			continue
		}
		if f.fd < 0 && f.refs == 0 && !f.keep {
			delete(d.folders, dir)
		}
		f.mu.Unlock()
	}
}
