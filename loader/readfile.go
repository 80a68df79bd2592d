package loader

import (
	"fmt"
	"io"
	"sync"
)

// readFile reads at most limit bytes: a file that grew since it was
// measured is still refused rather than read whole. size is the file's
// size when it was listed: the buffer is made for it (plus a byte, to see
// the end), so large posts are not grown and copied, and no stat is needed.
func readFile(name string, size, limit int64) ([]byte, error) {
	f, err := openFile(name)
	return readClose(f, err, nil, size, limit, true)
}

// readClose reads the file f, opened with the error err, into buf's
// space where it fits, as readFrom does, and closes it.
func readClose(f io.ReadCloser, err error, buf []byte, size, limit int64, known bool) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readFrom(f, buf, size, limit, known)
}

// readFrom reads r to its end, as readFile reads a file. A read that
// gives fewer bytes than asked, ending where the file's known size does,
// is the end: a regular file gives a short read only there, and the read
// that would say so costs a system call per file.
func readFrom(r io.Reader, buf []byte, size, limit int64, known bool) ([]byte, error) {
	data := buf[:0]
	if want := min(max(size, 511), limit) + 1; int64(cap(data)) < want {
		data = make([]byte, 0, want)
	}
	for int64(len(data)) <= limit {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		asked := cap(data) - len(data)
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if known && n < asked && int64(len(data)) == size {
			break
		}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is over the limit of %d bytes", limit)
	}
	return data, nil
}

// readBufs are the buffers a scan reads files into: nothing parsed keeps
// a reference to a file's bytes (every field is a string copied out of
// them; a body lent by Post.WithFull is used before its buffer goes back),
// so the buffer of one file serves the next, and reading a folder makes no
// garbage of its size.
var readBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled is the largest buffer kept for another file.
const maxPooled = 256 << 10

// withBuffer calls read with a buffer from readBufs, whose space read may
// use for what it reads (and return), and puts that space back after.
func withBuffer[T any](read func(buf []byte) ([]byte, T, error)) (T, error) {
	bp := readBufs.Get().(*[]byte)
	data, out, err := read(*bp)
	if cap(data) > cap(*bp) && cap(data) <= maxPooled {
		*bp = data[:0]
	}
	readBufs.Put(bp)
	return out, err
}
