package feed

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
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
	site    *Site
	entries map[string]*entry
	cache   *queryCache
}

// entry is one prepared response: header values for the identity and gzip
// variants, made once per Store.
type entry struct {
	f     *File
	class class
	ch    *channel // for feeds: the channel and
	fmt   int      // the index in formatList; -1 for pages
	cc    []string
	typ   []string
	mod   []string
	id    variant
	gz    variant
}

type variant struct {
	body   []byte
	etag   []string
	length []string
}

// Store makes s the Site being served. It prepares the headers of every
// file once, so requests only look them up.
func (h *Handler) Store(s *Site) {
	sn := &snapshot{site: s, entries: make(map[string]*entry, len(s.Files)), cache: newQueryCache()}
	cc := []string{cacheControl(s.cfg.TTL)}
	for p, f := range s.Files {
		e := &entry{f: f, class: classOf(p), fmt: -1, cc: cc, typ: []string{f.Type},
			mod: []string{f.Modified.UTC().Format(http.TimeFormat)}}
		e.id = variant{body: f.Body, etag: []string{f.ETag}, length: []string{strconv.Itoa(len(f.Body))}}
		if f.Gzip != nil {
			e.gz = variant{body: f.Gzip, etag: []string{gzipETag(f.ETag)}, length: []string{strconv.Itoa(len(f.Gzip))}}
		}
		sn.entries[p] = e
	}
	for _, ch := range s.channels {
		for i := range formatList {
			if e := sn.entries["/"+ch.dir+formatList[i].file]; e != nil {
				e.ch, e.fmt = ch, i
			}
		}
	}
	h.snap.Store(sn)
}

// Site returns the Site being served, or nil before the first Store.
func (h *Handler) Site() *Site {
	if sn := h.snap.Load(); sn != nil {
		return sn.site
	}
	return nil
}

func gzipETag(etag string) string { return etag[:len(etag)-1] + `-gz"` }

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
			e = sn.entries[dir+"/"]
		} else if !strings.HasSuffix(p, "/") && sn.entries[p+"/"] != nil {
			// A page asked for without its slash: send the reader to it,
			// relative to this host (the site URL may name another).
			w.Header().Set("Location", r.URL.EscapedPath()+"/")
			return httpError(w, classPage, http.StatusMovedPermanently, "moved to "+p+"/")
		}
	}
	if e == nil {
		return httpError(w, classOther, http.StatusNotFound, "not found")
	}
	if r.URL.RawQuery != "" && e.ch != nil {
		q, err := parseQuery(r.URL.Query(), e.ch, &sn.site.cfg)
		if err != nil {
			return httpError(w, classQuery, http.StatusBadRequest, err.Error())
		}
		if q != nil {
			f, err := sn.cache.get(sn.site, e, q)
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
	v := &e.id
	gz := e.gz.body != nil && acceptsGzip(r.Header["Accept-Encoding"])
	if gz {
		v = &e.gz
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
	if gz {
		hdr["Content-Encoding"] = gzipValue
	}
	if _, ok := r.Header["Range"]; ok {
		return serveRange(w, r, e.f, v.body)
	}
	hdr["Content-Length"] = v.length
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return http.StatusOK, 0
	}
	n, _ := w.Write(v.body)
	return http.StatusOK, int64(n)
}

// serveFile answers with a File made for this request (a filtered feed).
func serveFile(w http.ResponseWriter, r *http.Request, f *File, cc []string) (int, int64) {
	e := &entry{f: f, cc: cc, typ: []string{f.Type}, mod: []string{f.Modified.UTC().Format(http.TimeFormat)},
		id: variant{body: f.Body, etag: []string{f.ETag}, length: []string{strconv.Itoa(len(f.Body))}}}
	if f.Gzip != nil {
		e.gz = variant{body: f.Gzip, etag: []string{gzipETag(f.ETag)}, length: []string{strconv.Itoa(len(f.Gzip))}}
	}
	return serveEntry(w, r, e)
}

// serveRange lets net/http answer a Range request (it also honours
// If-Range); it is rare enough not to need a fast path.
func serveRange(w http.ResponseWriter, r *http.Request, f *File, body []byte) (int, int64) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(sw, r, "", f.Modified, bytes.NewReader(body))
	return sw.status, sw.bytes
}

var (
	gzipValue    = []string{"gzip"}
	varyValue    = []string{"Accept-Encoding"}
	bytesValue   = []string{"bytes"}
	nosniffValue = []string{"nosniff"}
)

func cacheControl(ttl time.Duration) string {
	return "public, max-age=" + strconv.Itoa(int(ttl.Seconds()))
}

// notModified applies If-None-Match, or when absent If-Modified-Since
// (RFC 9110 §13.2.2): If-None-Match wins when both are sent.
func notModified(r *http.Request, f *File, etag string) bool {
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

// acceptsGzip reports whether Accept-Encoding values allow gzip: named
// (or *) without q=0.
func acceptsGzip(values []string) bool {
	for _, ae := range values {
		for len(ae) > 0 {
			var part string
			part, ae, _ = strings.Cut(ae, ",")
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.TrimSpace(name)
			if !strings.EqualFold(name, "gzip") && !strings.EqualFold(name, "x-gzip") && name != "*" {
				continue
			}
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
					return false
				}
			}
			return true
		}
	}
	return false
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
