//go:build !unix

package loader

import (
	"io"
	"os"
)

func openFile(name string) (io.ReadCloser, error) { return os.Open(name) }

// openFolder holds no folder here: files are opened by their paths.
func openFolder(string) int { return -1 }

func openAt(int, string) (io.ReadCloser, error) { panic("loader: openAt without a folder") }

func closeFolder(int) {}

func sameFolder(int, string) bool { return false }
