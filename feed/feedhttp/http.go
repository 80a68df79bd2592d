package feedhttp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"feedpub/feed"
)

// maxURL is the longest request URI answered; longer ones get 414.
const maxURL = 2048

// Handler serves the current Site. Store swaps in a new one atomically: a
// request sees one whole Site, never half a rebuild. The zero value serves
// 503 until the first Store.
//
// A plain request for a feed or page is a map lookup and a write of bytes
// prepared at Store: no encoding, no compression, and no allocation that
// grows with the file.
type Handler struct {
	snap atomic.Pointer[snapshot]

	// Logger receives error logs, and with AccessLog one line per
	// request. Nil logs nothing.
	Logger    *slog.Logger
	AccessLog bool
	// Metrics counts requests and bytes when set.
	Metrics *Metrics
}

// snapshot is a Site with everything a response needs prepared.
type snapshot struct {
	site    *feed.Site
	entries map[string]*entry
	cache   *queryCache
	br      map[string][]byte // brotli of each body by ETag, kept while the bytes are
	cc      []string          // Cache-Control
}

// entry is one prepared response: header values for the identity and gzip
// variants, made once per Store.
type entry struct {
	f     *feed.File
	class class
	feed  *feed.FeedInfo // for feeds: which one; nil for pages
	cc    []string
	typ   []string
	mod   []string
	id    variant
	gz    variant
	br    variant
}

type variant struct {
	body   []byte
	etag   []string
	length []string
	mem    fileRef // a copy of body in a file, for sendfile; or none
}

// Store makes s the Site being served. It prepares the headers of every
// file once, so requests only look them up.
//
// Each file is also compressed with brotli here, once: a File kept from
// the last build (same bytes) keeps its brotli too.
func (h *Handler) Store(s *feed.Site) {
	sn := &snapshot{site: s, entries: make(map[string]*entry, len(s.Files)), cache: newQueryCache()}
	var old map[string][]byte
	prev := h.snap.Load()
	if prev != nil {
		old = prev.br
	}
	sn.br = brotliFiles(s, old)
	cc := []string{cacheControl(s.Config().TTL)}
	sn.cc = cc
	for p, f := range s.Files {
		e := &entry{f: f, class: classOf(p), cc: cc, typ: []string{f.Type},
			mod: []string{f.Modified.UTC().Format(http.TimeFormat)}}
		e.id = variant{body: f.Body, etag: []string{f.ETag}, length: []string{strconv.Itoa(len(f.Body))}}
		if f.Gzip != nil {
			e.gz = variant{body: f.Gzip, etag: []string{gzipETag(f.ETag)}, length: []string{strconv.Itoa(len(f.Gzip))}}
		}
		if b := sn.br[f.ETag]; b != nil {
			e.br = variant{body: b, etag: []string{brETag(f.ETag)}, length: []string{strconv.Itoa(len(b))}}
		}
		sn.entries[p] = e
	}
	sn.mapBodies(prev)
	for p, e := range sn.entries {
		if fi, ok := s.FeedAt(p); ok {
			e.feed = &fi
		}
	}
	h.snap.Store(sn)
}

// Site returns the Site being served, or nil before the first Store.
func (h *Handler) Site() *feed.Site {
	if sn := h.snap.Load(); sn != nil {
		return sn.site
	}
	return nil
}

func gzipETag(etag string) string { return etag[:len(etag)-1] + `-gz"` }

func brETag(etag string) string { return etag[:len(etag)-1] + `-br"` }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var start time.Time
	if h.AccessLog && h.Logger != nil {
		start = time.Now()
	}
	cl, status, n := h.serve(w, r)
	if h.Metrics != nil {
		h.Metrics.request(cl, status, n)
	}
	if !start.IsZero() {
		h.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", clipPath(r.URL.Path)),
			slog.String("query", clipPath(r.URL.RawQuery)),
			slog.Int("status", status), slog.Int64("bytes", n),
			slog.Duration("duration", time.Since(start)), slog.String("remote", r.RemoteAddr),
			slog.String("user_agent", clipPath(r.UserAgent())))
	}
}

// serve answers r and reports the class of the path, the status and the
// bytes of body written.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (class, int, int64) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return httpError(w, classOther, http.StatusMethodNotAllowed, "only GET and HEAD are supported")
	}
	if len(r.RequestURI) > maxURL || len(r.URL.Path) > maxURL {
		return httpError(w, classOther, http.StatusRequestURITooLong, "URL too long")
	}
	sn := h.snap.Load()
	if sn == nil {
		w.Header().Set("Retry-After", "1")
		return httpError(w, classOther, http.StatusServiceUnavailable, "feeds are being built")
	}
	p := r.URL.Path
	if raw := r.URL.RawPath; raw != "" && hasEncodedSlash(raw) {
		return httpError(w, classOther, http.StatusNotFound, "not found")
	}
	e := sn.entries[p]
	if e == nil {
		if dir, ok := strings.CutSuffix(p, "/index.html"); ok {
			p = dir + "/"
			e = sn.entries[p]
		} else if !strings.HasSuffix(p, "/") && sn.site.Has(p+"/") {
			// A page asked for without its slash: send the reader to it,
			// relative to this host (the site URL may name another).
			w.Header().Set("Location", r.URL.EscapedPath()+"/")
			return httpError(w, classPage, http.StatusMovedPermanently, "moved to "+p+"/")
		}
	}
	if e == nil && sn.site.IsPost(p) {
		return h.servePost(w, r, sn, p)
	}
	if e == nil {
		return httpError(w, classOther, http.StatusNotFound, "not found")
	}
	if r.URL.RawQuery != "" && e.feed != nil {
		// A query seen before is one lookup: readers poll the same URL.
		if f := sn.cache.lookup(p, r.URL.RawQuery); f != nil {
			st, n := serveFile(w, r, f, e.cc)
			return classQuery, st, n
		}
		q, err := parseQuery(r.URL.Query(), e.feed, sn.site.Config().Limit)
		if err != nil {
			return httpError(w, classQuery, http.StatusBadRequest, err.Error())
		}
		if q != nil {
			f, err := sn.cache.get(sn.site, q, p, r.URL.RawQuery)
			if err != nil {
				if h.Logger != nil {
					h.Logger.LogAttrs(r.Context(), slog.LevelError, "filtered feed",
						slog.String("path", p), slog.String("query", clipPath(r.URL.RawQuery)), slog.Any("error", err))
				}
				return httpError(w, classQuery, http.StatusInternalServerError, "could not make this feed")
			}
			st, n := serveFile(w, r, f, e.cc)
			return classQuery, st, n
		}
	}
	st, n := serveEntry(w, r, e)
	return e.class, st, n
}

// servePost answers with the page of a post, made now unless kept (see
// Site.File), and gzipped now for a client that takes it.
func (h *Handler) servePost(w http.ResponseWriter, r *http.Request, sn *snapshot, p string) (class, int, int64) {
	f, err := sn.site.File(p)
	if err != nil {
		if h.Logger != nil {
			h.Logger.LogAttrs(r.Context(), slog.LevelError, "post page", slog.String("path", p), slog.Any("error", err))
		}
		return httpError(w, classPost, http.StatusInternalServerError, "could not make this page")
	}
	if f.Gzip == nil && acceptEncoding(r.Header["Accept-Encoding"], false, true) == encGzip {
		cp := *f
		cp.Gzip = gzipBytes(f.Body)
		f = &cp
	}
	st, n := serveFile(w, r, f, sn.cc)
	return classPost, st, n
}

// hasEncodedSlash reports whether an escaped path holds %2F or %5C, which
// could smuggle a separator past the router.
func hasEncodedSlash(raw string) bool {
	for i := 0; i+2 < len(raw); i++ {
		if raw[i] == '%' {
			a, b := raw[i+1], raw[i+2]|0x20
			if (a == '2' && b == 'f') || (a == '5' && b == 'c') {
				return true
			}
		}
	}
	return false
}

// serveEntry answers with a prepared entry: conditional requests, gzip
// when the client takes it, HEAD and ranges. It copies nothing and
// encodes nothing.
func serveEntry(w http.ResponseWriter, r *http.Request, e *entry) (int, int64) {
	hdr := w.Header()
	v, enc := &e.id, []string(nil)
	if e.gz.body != nil || e.br.body != nil {
		switch acceptEncoding(r.Header["Accept-Encoding"], e.br.body != nil, e.gz.body != nil) {
		case encBrotli:
			v, enc = &e.br, brValue
		case encGzip:
			v, enc = &e.gz, gzipValue
		}
	}
	hdr["Etag"] = v.etag
	hdr["Last-Modified"] = e.mod
	hdr["Cache-Control"] = e.cc
	hdr["Vary"] = varyValue
	if notModified(r, e.f, v.etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	hdr["Content-Type"] = e.typ
	hdr["X-Content-Type-Options"] = nosniffValue
	hdr["Accept-Ranges"] = bytesValue
	if enc != nil {
		hdr["Content-Encoding"] = enc
	}
	if _, ok := r.Header["Range"]; ok {
		return serveRange(w, r, e.f, v.body)
	}
	hdr["Content-Length"] = v.length
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return http.StatusOK, 0
	}
	if len(v.body) > corkMin {
		if c, _ := r.Context().Value(corkKey{}).(*corkConn); c != nil {
			if f, ok := w.(http.Flusher); ok {
				c.cork()
				if v.mem.f != nil {
					f.Flush() // the headers, into the cork
					c.expect(v.body, v.mem)
				}
				n, _ := w.Write(v.body)
				f.Flush()
				c.uncork()
				return http.StatusOK, int64(n)
			}
		}
	}
	n, _ := w.Write(v.body)
	return http.StatusOK, int64(n)
}

// serveFile answers with a File made for this request (a filtered feed).
func serveFile(w http.ResponseWriter, r *http.Request, f *feed.File, cc []string) (int, int64) {
	e := &entry{f: f, cc: cc, typ: []string{f.Type}, mod: []string{f.Modified.UTC().Format(http.TimeFormat)},
		id: variant{body: f.Body, etag: []string{f.ETag}, length: []string{strconv.Itoa(len(f.Body))}}}
	if f.Gzip != nil {
		e.gz = variant{body: f.Gzip, etag: []string{gzipETag(f.ETag)}, length: []string{strconv.Itoa(len(f.Gzip))}}
	}
	return serveEntry(w, r, e)
}

// serveRange lets net/http answer a Range request (it also honours
// If-Range); it is rare enough not to need a fast path.
func serveRange(w http.ResponseWriter, r *http.Request, f *feed.File, body []byte) (int, int64) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(sw, r, "", f.Modified, bytes.NewReader(body))
	return sw.status, sw.bytes
}

var (
	gzipValue    = []string{"gzip"}
	brValue      = []string{"br"}
	varyValue    = []string{"Accept-Encoding"}
	bytesValue   = []string{"bytes"}
	nosniffValue = []string{"nosniff"}
)

func cacheControl(ttl time.Duration) string {
	return "public, max-age=" + strconv.Itoa(int(ttl.Seconds()))
}

// notModified applies If-None-Match, or when absent If-Modified-Since
// (RFC 9110 §13.2.2): If-None-Match wins when both are sent.
func notModified(r *http.Request, f *feed.File, etag string) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		for _, l := range inm {
			if etagMatch(l, etag, f.ETag) {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !f.Modified.After(t)
	}
	return false
}

// etagMatch reports whether an If-None-Match list names either variant of
// the file (weak comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(list string, tags ...string) bool {
	for len(list) > 0 {
		var t string
		t, list, _ = strings.Cut(list, ",")
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" {
			return true
		}
		for _, want := range tags {
			if t == want {
				return true
			}
		}
	}
	return false
}

type encoding int

const (
	encIdentity encoding = iota
	encGzip
	encBrotli
)

// acceptEncoding picks the encoding of a response from the client's
// Accept-Encoding values (RFC 9110 §12.5.3): brotli or gzip when we have
// it and the client takes it (named or by *, with q above 0), the one with
// the higher q, brotli on a tie; identity otherwise.
func acceptEncoding(values []string, haveBr, haveGz bool) encoding {
	brQ, gzQ, starQ := -1.0, -1.0, -1.0
	for _, ae := range values {
		for len(ae) > 0 {
			var part string
			part, ae, _ = strings.Cut(ae, ",")
			name, params, _ := strings.Cut(part, ";")
			name = strings.TrimSpace(name)
			q := 1.0
			if params != "" {
				q = qValue(params)
			}
			switch {
			case strings.EqualFold(name, "br"):
				brQ = q
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				gzQ = q
			case name == "*":
				starQ = q
			}
		}
	}
	if brQ < 0 {
		brQ = starQ
	}
	if gzQ < 0 {
		gzQ = starQ
	}
	if !haveBr {
		brQ = 0
	}
	if !haveGz {
		gzQ = 0
	}
	switch {
	case brQ > 0 && brQ >= gzQ:
		return encBrotli
	case gzQ > 0:
		return encGzip
	}
	return encIdentity
}

// qValue reads q= from the parameters of an Accept-Encoding element; a
// malformed one counts as 0 (not acceptable).
func qValue(params string) float64 {
	for len(params) > 0 {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || q < 0 || q > 1 {
				return 0
			}
			return q
		}
	}
	return 1
}

// httpError writes a short plain-text error and returns the class, status
// and length.
func httpError(w http.ResponseWriter, cl class, code int, msg string) (class, int, int64) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	n, _ := fmt.Fprintln(w, msg)
	return cl, code, int64(n)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func clipPath(p string) string {
	if len(p) > 200 {
		return p[:200] + "…"
	}
	return p
}

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
}

func (c *corkConn) cork() {
	c.corked, c.bufs, c.scratch, c.refs, c.err = true, c.bufs[:0], c.scratch[:0], 0, nil
}

// expect tells that body, which has a copy in mem, is about to be written.
func (c *corkConn) expect(body []byte, mem fileRef) { c.want, c.wantFile = body, mem }

// uncork sends what was collected: the headers and the expected body
// with sendfile when it came as expected, else all of it in one writev.
func (c *corkConn) uncork() {
	c.corked = false
	if c.gotWant && c.refs == 0 && c.err == nil {
		if err := c.sendFile(c.scratch, c.wantFile, len(c.want)); err != nil {
			c.err = err
		}
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
	c.want, c.wantFile, c.gotWant = nil, fileRef{}, false
}

func (c *corkConn) Write(p []byte) (int, error) {
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.err != nil {
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
