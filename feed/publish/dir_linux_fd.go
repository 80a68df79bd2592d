//go:build linux && !osroot

package publish

import "golang.org/x/sys/unix"

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
