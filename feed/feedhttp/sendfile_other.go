//go:build !linux

package feedhttp

import (
	"errors"
	"os"
)

// sendfileMin is the body size from which Linux sends bodies with
// sendfile; elsewhere it only tells tests which bodies are big.
const sendfileMin = 16 << 10

// haveSendfile: files of a published folder are copied, not sent with
// sendfile.
const haveSendfile = false

// fileRef is unused where there is no memfd: bodies are served from
// memory.
type fileRef struct {
	f    *os.File
	fd   int
	off  int64
	size int64
}

func (sn *snapshot) mapBodies(prev *snapshot) {}

func (c *corkConn) sendFile(head []byte, mem fileRef, n int) error { return errors.ErrUnsupported }
