//go:build unix

package loader

import (
	"io"
	"io/fs"
	"syscall"
)

// rawFile reads a file through bare system calls: an os.File would also
// ask for the file's flags and try to register it with the poller, which
// for 100,000 small files costs as much as reading them.
type rawFile int

func openFile(name string) (io.ReadCloser, error) {
	for {
		// O_NONBLOCK: a file swapped for a FIFO after the walk fails
		// instead of blocking the read; regular files ignore it.
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return rawFile(fd), nil
	}
}

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
