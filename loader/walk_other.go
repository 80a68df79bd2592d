//go:build !unix

package loader

import (
	"io/fs"
	"os"
	"path/filepath"
)

// lstatAt is the FileInfo of the entry name of the folder dir, not
// following a symbolic link.
func lstatAt(dir *os.File, _ uintptr, name string) (fs.FileInfo, error) {
	return os.Lstat(filepath.Join(dir.Name(), name))
}
