//go:build linux

package feed

import (
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// sendfileMin is the body size from which a response is sent from a file
// with sendfile: the kernel sends the pages as they are instead of
// copying the bytes from our memory on every request.
const sendfileMin = 16 << 10

// A fileRef is where a body has a copy: a memfd (a file in memory) and an
// offset. The *os.File keeps the descriptor open: it is closed by its
// finalizer once no snapshot or request refers to it.
type fileRef struct {
	f   *os.File
	fd  int
	off int64
}

// mapBodies copies every body of at least sendfileMin bytes into one
// memfd, once per Store; when every such body is one that prev already
// holds (a rebuild that changed no big file), prev's copies are used. On
// any error the bodies are served from memory, as smaller ones are.
func (sn *snapshot) mapBodies(prev *snapshot) {
	var vs []*variant
	for _, e := range sn.entries {
		for _, v := range []*variant{&e.id, &e.gz, &e.br} {
			if len(v.body) >= sendfileMin {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 || reuseBodies(vs, prev) {
		return
	}
	fd, err := unix.MemfdCreate("feedpub-bodies", unix.MFD_CLOEXEC)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "feedpub-bodies")
	offs := make([]int64, len(vs))
	var off int64
	for i, v := range vs {
		if _, err := f.WriteAt(v.body, off); err != nil {
			f.Close()
			return
		}
		offs[i] = off
		off += int64(len(v.body))
	}
	for i, v := range vs {
		v.mem = fileRef{f: f, fd: fd, off: offs[i]}
	}
}

// sendFile sends head (with MSG_MORE, so that it leaves with the first
// pages of the body) and then n bytes of mem with sendfile, waiting on the
// poller when the socket is full. Deadlines apply as to any write.
func (c *corkConn) sendFile(head []byte, mem fileRef, n int) error {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return errors.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	off, left := mem.off, n
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for len(head) > 0 {
			m, err := unix.SendmsgN(int(fd), head, nil, nil, unix.MSG_MORE|unix.MSG_NOSIGNAL)
			switch {
			case err == unix.EAGAIN:
				return false
			case err == unix.EINTR:
				continue
			case err != nil:
				werr = err
				return true
			}
			head = head[m:]
		}
		for left > 0 {
			m, err := unix.Sendfile(int(fd), mem.fd, &off, left)
			switch {
			case err == unix.EAGAIN:
				return false
			case err == unix.EINTR:
				continue
			case err != nil:
				werr = err
				return true
			case m == 0:
				werr = errors.New("sendfile: the body file ended early")
				return true
			}
			left -= m
		}
		return true
	})
	runtime.KeepAlive(mem.f)
	if err == nil {
		err = werr
	}
	if err != nil {
		return &net.OpError{Op: "sendfile", Net: "tcp", Err: err}
	}
	return nil
}

// reuseBodies gives each of vs the copy prev has of the same bytes, if
// prev has one for every one of them.
func reuseBodies(vs []*variant, prev *snapshot) bool {
	if prev == nil {
		return false
	}
	old := map[*byte]variant{}
	for _, e := range prev.entries {
		for _, v := range []*variant{&e.id, &e.gz, &e.br} {
			if v.mem.f != nil {
				old[&v.body[0]] = *v
			}
		}
	}
	refs := make([]fileRef, len(vs))
	for i, v := range vs {
		o, ok := old[&v.body[0]]
		if !ok || len(o.body) != len(v.body) {
			return false
		}
		refs[i] = o.mem
	}
	for i, v := range vs {
		v.mem = refs[i]
	}
	return true
}
