package feedhttp

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"feedpub/feed"
)

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
	setValidators(hdr, v.etag, e.mod, e.cacheControl(), e.link)
	if notModified(r, e.f.ETag, e.modTime, v.etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	setContent(hdr, e.typ, enc)
	if _, ok := r.Header["Range"]; ok {
		return serveRange(w, r, e.modTime, v.body)
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

// setValidators sets the headers a conditional request is answered by,
// and those that go with them on a 304.
func setValidators(hdr http.Header, etag, mod, cc, link []string) {
	hdr["Etag"] = etag
	hdr["Last-Modified"] = mod
	hdr["Cache-Control"] = cc
	hdr["Vary"] = varyValue
	if link != nil {
		hdr["Link"] = link
	}
}

// validatorHeaders are the headers setValidators may set.
var validatorHeaders = []string{"Etag", "Last-Modified", "Cache-Control", "Vary", "Link"}

// setContent sets the headers of a body of type typ, in encoding enc
// (nil: none).
func setContent(hdr http.Header, typ, enc []string) {
	hdr["Content-Type"] = typ
	hdr["X-Content-Type-Options"] = nosniffValue
	hdr["Accept-Ranges"] = bytesValue
	if enc != nil {
		hdr["Content-Encoding"] = enc
	}
}

// serveFile answers with a File made for this request (a filtered feed,
// a post's page) and its gzip, if it has one.
func serveFile(w http.ResponseWriter, r *http.Request, f *feed.File, gz []byte, cc []string) (int, int64) {
	e := &entry{f: f, cc: cc, typ: []string{f.Type}, mod: []string{f.Modified.UTC().Format(http.TimeFormat)}, modTime: f.Modified,
		id: variant{body: f.Body, etag: []string{f.ETag}, length: []string{strconv.Itoa(len(f.Body))}}}
	if gz != nil {
		e.gz = variant{body: gz, etag: []string{gzipETag(f.ETag)}, length: []string{strconv.Itoa(len(gz))}}
	}
	return serveEntry(w, r, e)
}

// serveRange lets net/http answer a Range request (it also honours
// If-Range); it is rare enough not to need a fast path.
func serveRange(w http.ResponseWriter, r *http.Request, mod time.Time, body []byte) (int, int64) {
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(sw, r, "", mod, bytes.NewReader(body))
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
// plain is the ETag of the file's plain bytes, etag the one of the
// variant sent.
func notModified(r *http.Request, plain string, mod time.Time, etag string) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		for _, l := range inm {
			if etagMatch(l, etag, plain) {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !mod.Truncate(time.Second).After(t)
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

// notMade answers 500 for the file at p that could not be made (noun says
// what it is to the client) and logs why, as msg.
func (h *Handler) notMade(w http.ResponseWriter, r *http.Request, cl class, msg, noun, p string, err error) (class, int, int64) {
	if h.Logger != nil {
		attrs := []slog.Attr{slog.String("path", p)}
		if r.URL.RawQuery != "" {
			attrs = append(attrs, slog.String("query", clipPath(r.URL.RawQuery)))
		}
		h.Logger.LogAttrs(r.Context(), slog.LevelError, msg, append(attrs, slog.Any("error", err))...)
	}
	return httpError(w, cl, http.StatusInternalServerError, "could not make this "+noun)
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
