//go:build unix

package loader

import (
	"io"
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawFile reads a file through bare system calls: an os.File would also
// ask for the file's flags and try to register it with the poller, which
// for 100,000 small files costs as much as reading them.
type rawFile int

func openFile(name string) (io.ReadCloser, error) { return openAt(unix.AT_FDCWD, name) }

// openAt opens the file name, relative to the folder whose descriptor is
// dir when name is relative.
func openAt(dir int, name string) (io.ReadCloser, error) {
	for {
		// O_NONBLOCK: a file swapped for a FIFO after the walk fails
		// instead of blocking the read; regular files ignore it.
		fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return rawFile(fd), nil
	}
}

// openFolder is a descriptor of the folder name for openAt, or -1 if it
// cannot be opened.
func openFolder(name string) int {
	for {
		fd, err := unix.Open(name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1
		}
		return fd
	}
}

// sameFolder reports whether the folder whose descriptor is fd is the one
// at the path name (and not removed: a new folder may take its number).
func sameFolder(fd int, name string) bool {
	var held, named unix.Stat_t
	return unix.Fstat(fd, &held) == nil && unix.Stat(name, &named) == nil && held.Nlink > 0 && held.Dev == named.Dev && held.Ino == named.Ino
}

// closeFolder closes a descriptor of openFolder.
func closeFolder(fd int) { unix.Close(fd) }

func (f rawFile) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f rawFile) Close() error { return syscall.Close(int(f)) }
