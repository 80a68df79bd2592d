//go:build !linux || osroot

package publish

import "time"

// setModTime sets the modification time of the file name (modTimer).
func (d *Dir) setModTime(name string, t time.Time) error {
	return d.root.Chtimes(name, t, t)
}
