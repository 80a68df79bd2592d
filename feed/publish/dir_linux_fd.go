//go:build linux && !osroot

package publish

import (
	"io/fs"
	"path"

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
