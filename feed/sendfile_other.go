//go:build !linux

package feed

import (
	"errors"
	"os"
)

// fileRef is unused where there is no memfd: bodies are served from
// memory.
type fileRef struct {
	f   *os.File
	fd  int
	off int64
}

func (sn *snapshot) mapBodies() {}

func (c *corkConn) sendFile(head []byte, mem fileRef, n int) error { return errors.ErrUnsupported }
