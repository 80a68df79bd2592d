package feedhttp

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"feedpub/feed"
)

// maxURL is the longest request URI answered; longer ones get 414.
const maxURL = 2048

// Handler serves the current Site. Publish swaps in a new one atomically:
// a request sees one whole Site, never half a rebuild. The zero value
// serves 503 until the first Publish.
//
// A plain request for a feed or page is a map lookup and a write of bytes
// prepared at Publish: no encoding, no compression, and no allocation that
// grows with the file.
type Handler struct {
	snap atomic.Pointer[snapshot]
	dir  atomic.Pointer[folderSnap] // PublishFolder's; when set, it is served
	pub  sync.Mutex                 // one Publish at a time

	// Logger receives error logs, and with AccessLog one line per
	// request. Nil logs nothing. Set before serving.
	Logger    *slog.Logger
	AccessLog bool
	// Metrics counts requests and bytes when set. Set before serving.
	Metrics *Metrics
	// Times, when set, gives each file's Last-Modified: when its bytes
	// (named by their ETag) last changed, remembered across Publishes and
	// restarts (publish.State), so that it never goes backwards. Without
	// it, a file's Last-Modified is its newest item's date. Set before the
	// first Publish.
	Times Stamper
}

// A Stamper remembers when the bytes of each file last changed.
type Stamper interface {
	// Stamp returns the Last-Modified of the file at path p whose bytes
	// have the ETag etag, as of now.
	Stamp(p, etag string, now time.Time) time.Time
}

// modified is the Last-Modified of f at path p, as of now.
func (h *Handler) modified(p string, f *feed.File, now time.Time) time.Time {
	if h.Times == nil {
		return f.Modified
	}
	return h.Times.Stamp(p, f.ETag, now)
}

// snapshot is a Site with everything a response needs prepared. It never
// changes once stored, but for its caches, which lock.
type snapshot struct {
	site    *feed.Site
	entries map[string]*entry
	packed  packed // the compressed bodies it serves
	cache   *queryCache
	pages   *pageGzips
	cc      []string // Cache-Control
}

// entry is one prepared response: header values for the identity, gzip
// and brotli variants, made once per Publish.
type entry struct {
	f     *feed.File
	class class
	feed  *feed.FeedInfo // for feeds: which one; nil for pages
	cc    []string
	poll  *feed.PollHint // a feed's, if it has one (see entry.cacheControl)
	link  []string       // WebSub's Link header, for feeds of a site with a hub
	typ   []string
	mod   []string
	// modTime is mod's time: If-Modified-Since is compared with it.
	modTime time.Time
	id      variant
	gz      variant
	br      variant
}

type variant struct {
	body   []byte
	etag   []string
	length []string
	mem    fileRef // a copy of body in a file, for sendfile; or none
}

// Publish makes s the Site being served, in one call: at once, with the
// compressed bytes of the files that the last Site had the same (by ETag),
// then again once the new files are compressed (gzip, and brotli for all
// but the smallest), on all cores. Compression is done once per file and
// Publish, never per request. The headers of every file are prepared here
// too, so requests only look them up.
func (h *Handler) Publish(s *feed.Site) {
	h.pub.Lock()
	defer h.pub.Unlock()
	prev := h.snap.Load()
	var old packed
	if prev != nil {
		old = prev.packed
	}
	kept, todo := old.keep(s)
	now := time.Now()
	mod := func(p string, f *feed.File) time.Time { return h.modified(p, f, now) }
	sn := newSnapshot(s, kept, prev, h.newQueryCache(), &pageGzips{m: map[string][]byte{}}, mod)
	h.snap.Store(sn)
	if len(todo) == 0 {
		return
	}
	h.snap.Store(newSnapshot(s, kept.add(todo), sn, sn.cache, sn.pages, mod))
}

// newSnapshot prepares the responses of s with the compressed bodies pk;
// prev is the snapshot being served, whose copies of bodies in files it
// reuses.
func newSnapshot(s *feed.Site, pk packed, prev *snapshot, cache *queryCache, pages *pageGzips, mod func(string, *feed.File) time.Time) *snapshot {
	sn := &snapshot{site: s, entries: map[string]*entry{}, packed: pk, cache: cache, pages: pages}
	cc := []string{cacheControl(s.Config().TTL)}
	sn.cc = cc
	for p, f := range s.Made() {
		m := mod(p, f)
		e := &entry{f: f, class: classOf(p), cc: cc, typ: []string{f.Type},
			mod: []string{m.UTC().Format(http.TimeFormat)}, modTime: m}
		e.id = variant{body: f.Body, etag: []string{f.ETag}, length: []string{strconv.Itoa(len(f.Body))}}
		if b := pk.gz[f.ETag]; b != nil {
			e.gz = variant{body: b, etag: []string{gzipETag(f.ETag)}, length: []string{strconv.Itoa(len(b))}}
		}
		if b := pk.br[f.ETag]; b != nil {
			e.br = variant{body: b, etag: []string{brETag(f.ETag)}, length: []string{strconv.Itoa(len(b))}}
		}
		if fi, ok := s.FeedAt(p); ok {
			e.feed = &fi
			e.cc, e.poll = pollCC(s, p, cc)
			if hub := s.Config().Hub; hub != "" {
				e.link = linkHeader(hub, s.URL(p))
			}
		}
		sn.entries[p] = e
	}
	sn.mapBodies(prev)
	return sn
}

// Site returns the Site being served, or nil before the first Publish
// (for a folder: before the first Publication with a Site).
func (h *Handler) Site() *feed.Site {
	if fs := h.dir.Load(); fs != nil {
		return fs.site
	}
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
	if fs := h.dir.Load(); fs != nil {
		if raw := r.URL.RawPath; raw != "" && hasEncodedSlash(raw) {
			return httpError(w, classOther, http.StatusNotFound, "not found")
		}
		return h.serveFolder(w, r, fs)
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
		return h.servePost(w, r, sn.site, sn.cache, sn.pages, sn.cc, p)
	}
	if is, full := sn.site.Archive(p); e == nil && is {
		return h.serveArchive(w, r, sn, p, full)
	}
	if e == nil {
		return httpError(w, classOther, http.StatusNotFound, "not found")
	}
	if r.URL.RawQuery != "" && e.feed != nil {
		if done, st, n := h.serveQuery(w, r, sn.site, sn.cache, p, e.feed, e.cc); done {
			return classQuery, st, n
		}
	}
	if r.URL.RawQuery != "" && e.class == classPage {
		page := func() (*feed.File, error) {
			cp := *e.f
			cp.Modified = e.modTime
			return &cp, nil
		}
		if st, n, ok := h.serveChinese(w, r, sn.cache, p, sn.cc, convertPage(page)); ok {
			return e.class, st, n
		}
	}
	st, n := serveEntry(w, r, e)
	return e.class, st, n
}

// serveQuery answers a request for the feed at p (fi) of site with a
// query, filtered (query.go), and reports whether it did: a query none of
// whose parameters is ours is answered by the plain feed.
func (h *Handler) serveQuery(w http.ResponseWriter, r *http.Request, site *feed.Site, cache *queryCache, p string, fi *feed.FeedInfo, cc []string) (bool, int, int64) {
	// A query seen before is one lookup: readers poll the same URL.
	if f := cache.lookup(p, r.URL.RawQuery); f != nil {
		st, n := serveFile(w, r, f.f, f.gz, cc)
		return true, st, n
	}
	q, err := parseQuery(r.URL.Query(), fi, site.Config().Limit)
	if err != nil {
		_, st, n := httpError(w, classQuery, http.StatusBadRequest, err.Error())
		return true, st, n
	}
	if q == nil {
		return false, 0, 0
	}
	f, err := cache.get(site, q, p, r.URL.RawQuery)
	if err != nil {
		_, st, n := h.notMade(w, r, classQuery, "filtered feed", "feed", p, err)
		return true, st, n
	}
	st, n := serveFile(w, r, f.f, f.gz, cc)
	return true, st, n
}

// servePost answers with the page of a post, made now unless kept (see
// Site.File), and gzipped for a client that takes it: now, unless pages
// has it. A folder's pages of posts not written yet are served so.
func (h *Handler) servePost(w http.ResponseWriter, r *http.Request, site *feed.Site, cache *queryCache, pages *pageGzips, cc []string, p string) (class, int, int64) {
	return h.serveMade(w, r, site, cache, pages, cc, p, classPost)
}

// serveMade answers with the file at p of site, made now (Site.File), of
// class cl: a page (of a post or not), whose Chinese text a query may
// convert, or a feed, which a query may not ask more of until it is
// written (the folder's index has it).
func (h *Handler) serveMade(w http.ResponseWriter, r *http.Request, site *feed.Site, cache *queryCache, pages *pageGzips, cc []string, p string, cl class) (class, int, int64) {
	page := func() (*feed.File, error) { return h.postFile(site, p) }
	if r.URL.RawQuery != "" && (cl == classPost || cl == classPage) {
		if st, n, ok := h.serveChinese(w, r, cache, p, cc, convertPage(page)); ok {
			return cl, st, n
		}
	} else if r.URL.RawQuery != "" && hasQuery(r.URL.Query()) {
		w.Header().Set("Retry-After", "1")
		return httpError(w, classQuery, http.StatusServiceUnavailable, "filtered feeds are being prepared")
	}
	f, err := page()
	if err != nil {
		if cl == classPost {
			return h.notMade(w, r, cl, "post page", "page", p, err)
		}
		return h.notMade(w, r, cl, "file not written yet", "file", p, err)
	}
	var gz []byte
	if acceptEncoding(r.Header["Accept-Encoding"], false, true) == encGzip {
		gz = pages.gzip(f)
	}
	st, n := serveFile(w, r, f, gz, cc)
	return cl, st, n
}

// postFile is the page of the post at p, with its Last-Modified.
func (h *Handler) postFile(site *feed.Site, p string) (*feed.File, error) {
	f, err := site.File(p)
	if err != nil || h.Times == nil {
		return f, err
	}
	cp := *f
	cp.Modified = h.modified(p, f, time.Now())
	return &cp, nil
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
