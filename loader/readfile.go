package loader

import (
	"fmt"
	"io"
)

// readFile reads at most limit bytes: a file that grew since it was
// measured is still refused rather than read whole. size is the file's
// size when it was listed: the buffer is made for it (plus a byte, to see
// the end), so large posts are not grown and copied, and no stat is needed.
func readFile(name string, size, limit int64) ([]byte, error) {
	f, err := openFile(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, 0, min(max(size, 511), limit)+1)
	for int64(len(data)) <= limit {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is over the limit of %d bytes", limit)
	}
	return data, nil
}
