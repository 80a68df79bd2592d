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
type Handler struct {
	site   atomic.Pointer[Site]
	Logger *slog.Logger // access log; none when nil
}

// Store makes s the Site being served.
func (h *Handler) Store(s *Site) { h.site.Store(s) }

// Site returns the Site being served, or nil before the first Store.
func (h *Handler) Site() *Site { return h.site.Load() }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	h.serve(rw, r)
	if h.Logger != nil {
		h.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", clipPath(r.URL.Path)),
			slog.Int("status", rw.status), slog.Int64("bytes", rw.bytes),
			slog.Duration("duration", time.Since(start)), slog.String("remote", r.RemoteAddr))
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "only GET and HEAD are supported")
		return
	}
	if len(r.RequestURI) > maxURL {
		httpError(w, http.StatusRequestURITooLong, "URL too long")
		return
	}
	site := h.site.Load()
	if site == nil {
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusServiceUnavailable, "feeds are being built")
		return
	}
	p := r.URL.Path
	if strings.Contains(r.URL.RawPath, "%2") && (strings.Contains(strings.ToLower(r.URL.RawPath), "%2f") || strings.Contains(strings.ToLower(r.URL.RawPath), "%5c")) {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	f := site.Files[p]
	if f == nil && !strings.HasSuffix(p, "/") && site.Files[p+"/"] != nil {
		http.Redirect(w, r, site.cfg.abs(strings.TrimPrefix(p, "/")+"/"), http.StatusMovedPermanently)
		return
	}
	if f == nil {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	serveFile(w, r, f, site.cfg.TTL)
}

// serveFile answers with a prepared file: conditional requests, gzip when
// the client takes it, ranges. It copies nothing and encodes nothing.
func serveFile(w http.ResponseWriter, r *http.Request, f *File, ttl time.Duration) {
	hdr := w.Header()
	body, etag := f.Body, f.ETag
	if f.Gzip != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = f.Gzip, f.ETag[:len(f.ETag)-1]+`-gz"`
		hdr["Content-Encoding"] = gzipValue
	}
	hdr["Content-Type"] = []string{f.Type}
	hdr["Vary"] = varyValue
	hdr["Etag"] = []string{etag}
	hdr["Last-Modified"] = []string{f.Modified.Format(http.TimeFormat)}
	hdr["Cache-Control"] = []string{cacheControl(ttl)}
	hdr["Accept-Ranges"] = bytesValue
	hdr["X-Content-Type-Options"] = nosniffValue

	if notModified(r, f, etag) {
		delete(hdr, "Content-Type")
		delete(hdr, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Header.Get("Range") != "" {
		// Rare: let net/http do the ranges (it also honours If-Range).
		http.ServeContent(w, r, "", f.Modified, bytes.NewReader(body))
		return
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
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
// (RFC 9110 §13.2.2).
func notModified(r *http.Request, f *File, etag string) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return etagMatch(inm, etag, f.ETag)
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
	for _, t := range strings.Split(list, ",") {
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

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	for _, part := range strings.Split(ae, ",") {
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
	return false
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
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
