//go:build linux

package feedhttp

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

// haveSendfile: files of a published folder are sent with sendfile.
const haveSendfile = true

// A fileRef is where a body has a copy: a memfd (a file in memory) and an
// offset. The *os.File keeps the descriptor open: it is closed by its
// finalizer once no snapshot or request refers to it.
type fileRef struct {
	f    *os.File
	fd   int
	off  int64
	size int64 // of the whole memfd
}

// mapBodies gives every feed body of at least sendfileMin bytes a copy in
// a memfd. A body that prev already holds (a File kept from the last
// build) keeps prev's copy; only new bodies are written, into a new memfd,
// so a rebuild copies what it changed, not every feed. Pages stay in
// memory only: readers poll feeds, people open pages now and then. On any
// error the bodies are served from memory, as smaller ones are.
func (sn *snapshot) mapBodies(prev *snapshot) {
	old := map[*byte]variant{}
	if prev != nil {
		for _, e := range prev.entries {
			for _, v := range []*variant{&e.id, &e.gz, &e.br} {
				if v.mem.f != nil {
					old[&v.body[0]] = *v
				}
			}
		}
	}
	var all, fresh []*variant
	var live int64
	kept := map[*os.File]int64{} // memfds still used, and their sizes
	for _, e := range sn.entries {
		if e.class != classFeed {
			continue
		}
		for _, v := range []*variant{&e.id, &e.gz, &e.br} {
			if len(v.body) < sendfileMin {
				continue
			}
			all = append(all, v)
			live += int64(len(v.body))
			if o, ok := old[&v.body[0]]; ok && len(o.body) == len(v.body) {
				v.mem = o.mem
				kept[o.mem.f] = o.mem.size
				continue
			}
			fresh = append(fresh, v)
		}
	}
	if len(fresh) == 0 {
		return
	}
	// A memfd stays whole while any body in it is used: when they hold
	// much more than the live bodies, copy all into one new memfd.
	var held int64
	for _, size := range kept {
		held += size
	}
	for _, v := range fresh {
		held += int64(len(v.body))
	}
	if held > 2*live {
		fresh = all
	}
	fd, err := unix.MemfdCreate("feedpub-bodies", unix.MFD_CLOEXEC)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "feedpub-bodies")
	offs := make([]int64, len(fresh))
	var off int64
	for i, v := range fresh {
		if _, err := f.WriteAt(v.body, off); err != nil {
			f.Close()
			return
		}
		offs[i] = off
		off += int64(len(v.body))
	}
	for i, v := range fresh {
		v.mem = fileRef{f: f, fd: fd, off: offs[i], size: off}
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
