//go:build linux && !osroot

package publish

import (
	"io/fs"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// setModTime sets the modification time of the file name (modTimer),
// relative to its folder's descriptor, not following a link.
func (d *Dir) setModTime(name string, t time.Time) error {
	f, err := d.acquire(path.Dir(name), false)
	if err != nil {
		return err
	}
	defer d.release(f)
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	if err := unix.UtimesNanoAt(f.fd, path.Base(name), ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "utimensat", Path: name, Err: err}
	}
	return nil
}
