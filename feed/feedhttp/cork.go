package feedhttp

import (
	"context"
	"net"
)

// Fewer syscalls for bigger bodies. net/http writes a response through a
// 4 KB buffer: headers and a body of more than about 3.5 KB leave in two
// or more write calls, and the client wakes up for each. A corked
// connection collects the writes of one response (copying only what comes
// from net/http's own buffers; the body is referenced, it is immutable)
// and sends them with one writev.

// corkMin is the body size from which a response is corked: smaller ones
// fit in net/http's buffer and leave in one write anyway.
const corkMin = 3 << 10

// CorkListener wraps ln so that the Handler can send each response with a
// single write. Use it with ConnContext:
//
//	srv := &http.Server{Handler: h, ConnContext: feedhttp.ConnContext}
//	srv.Serve(feedhttp.CorkListener(ln))
func CorkListener(ln net.Listener) net.Listener { return corkListener{ln} }

// ConnContext makes a connection accepted by a CorkListener known to the
// Handler; for use as http.Server.ConnContext.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*corkConn); ok {
		return context.WithValue(ctx, corkKey{}, cc)
	}
	return ctx
}

type corkKey struct{}

type corkListener struct{ net.Listener }

func (l corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corkConn{Conn: c}, nil
}

// corkConn is used by one request at a time (HTTP/1.1 answers in order),
// so it needs no lock.
type corkConn struct {
	net.Conn
	corked  bool
	bufs    net.Buffers
	scratch []byte
	refs    int // pieces in bufs that are not copies in scratch
	err     error

	// A body that has a copy in a file: when it is written whole, last,
	// it is sent with sendfile after the headers (zero-copy), as nginx
	// does.
	want     []byte
	wantFile fileRef
	gotWant  bool
	// standIn: want is no body but a stand-in for the file's
	// (sendFileBody), which must never be sent.
	standIn bool
}

func (c *corkConn) cork() {
	c.corked, c.bufs, c.scratch, c.refs, c.err = true, c.bufs[:0], c.scratch[:0], 0, nil
}

// expect tells that body, which has a copy in mem, is about to be written.
func (c *corkConn) expect(body []byte, mem fileRef) { c.want, c.wantFile = body, mem }

// expectFile tells that stand, a stand-in for the bytes of the file mem,
// is about to be written: it is sent from the file, or not at all.
func (c *corkConn) expectFile(stand []byte, mem fileRef) {
	c.want, c.wantFile, c.standIn = stand, mem, true
}

// uncork sends what was collected: the headers and the expected body
// with sendfile when it came as expected, else all of it in one writev.
func (c *corkConn) uncork() {
	c.corked = false
	if c.gotWant && c.refs == 0 && c.err == nil {
		if err := c.sendFile(c.scratch, c.wantFile, len(c.want)); err != nil {
			c.err = err
		}
	} else if c.err == nil && c.standIn {
		c.err = errStandIn
		c.Conn.Close()
	} else if c.err == nil {
		if c.gotWant {
			c.bufs = append(c.bufs, c.want)
		}
		bufs := c.bufs
		if _, err := bufs.WriteTo(c.Conn); err != nil {
			c.err = err
		}
	}
	clear(c.bufs[:cap(c.bufs)])
	c.bufs = c.bufs[:0]
	c.want, c.wantFile, c.gotWant, c.standIn = nil, fileRef{}, false, false
}

func (c *corkConn) Write(p []byte) (int, error) {
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.gotWant && c.standIn { // something after a file's body: it cannot be sent
		c.err = errStandIn
		c.Conn.Close()
		return 0, c.err
	}
	if c.gotWant { // something after the body: send the body from memory
		c.bufs, c.gotWant, c.refs = append(c.bufs, c.want), false, c.refs+1
		c.want = nil
	}
	if c.want != nil && len(p) == len(c.want) && &p[0] == &c.want[0] {
		c.gotWant = true
		return len(p), nil
	}
	if len(p) <= 4<<10 { // from net/http's buffers, which it reuses: copy
		if c.scratch == nil {
			c.scratch = make([]byte, 0, 8<<10)
		}
		start := len(c.scratch)
		c.scratch = append(c.scratch, p...)
		c.bufs = append(c.bufs, c.scratch[start:len(c.scratch):len(c.scratch)])
	} else { // passed through from the handler: the prepared body
		c.bufs = append(c.bufs, p)
		c.refs++
	}
	return len(p), nil
}
