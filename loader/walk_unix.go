//go:build unix

package loader

import (
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lstatAt is the FileInfo of the entry name of the folder dir, whose
// descriptor is fd, not following a symbolic link: fstatat relative to
// the folder, which the kernel does not look up again by its path for
// each file.
func lstatAt(dir *os.File, fd uintptr, name string) (fs.FileInfo, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(int(fd), name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
		}
		break
	}
	mode := fs.FileMode(st.Mode & 0o777)
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		mode |= fs.ModeIrregular
	}
	return &statInfo{name: name, size: st.Size, mode: mode, mod: time.Unix(st.Mtim.Unix())}, nil
}

// statInfo is the FileInfo of lstatAt: what the walk needs of a file.
type statInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
}

func (s *statInfo) Name() string       { return s.name }
func (s *statInfo) Size() int64        { return s.size }
func (s *statInfo) Mode() fs.FileMode  { return s.mode }
func (s *statInfo) ModTime() time.Time { return s.mod }
func (s *statInfo) IsDir() bool        { return false }
func (s *statInfo) Sys() any           { return nil }
