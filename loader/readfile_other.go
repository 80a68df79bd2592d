//go:build !unix

package loader

import (
	"io"
	"os"
)

func openFile(name string) (io.ReadCloser, error) { return os.Open(name) }
