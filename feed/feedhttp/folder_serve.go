package feedhttp

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"feedpub/feed"
)

// serveFolder answers r from the published folder of sn.
func (h *Handler) serveFolder(w http.ResponseWriter, r *http.Request, sn *folderSnap) (class, int, int64) {
	p := r.URL.Path
	e := sn.files.get(p)
	if e == nil {
		if dir, ok := strings.CutSuffix(p, "/index.html"); ok {
			p = dir + "/"
			e = sn.files.get(p)
		} else if !strings.HasSuffix(p, "/") && sn.files.get(p+"/") != nil {
			w.Header().Set("Location", r.URL.EscapedPath()+"/")
			return httpError(w, classPage, http.StatusMovedPermanently, "moved to "+p+"/")
		}
	}
	if e == nil && sn.site != nil && sn.site.Has(p) { // not written yet (a first build's pager writes it)
		return h.serveMade(w, r, sn.site, sn.cache, sn.pages, sn.cc, p, classOf(p))
	}
	if e == nil {
		return httpError(w, classOther, http.StatusNotFound, "not found")
	}
	if r.URL.RawQuery != "" {
		if st, n, done := h.folderQuery(w, r, sn, p, e); done {
			return classQuery, st, n
		}
	}
	for waited := time.Duration(0); ; waited += 5 * time.Millisecond {
		if st, n, ok := sendEntry(w, r, sn.folder, e); ok {
			return e.class, st, n
		}
		// Replaced by a rebuild whose index is not published yet: wait
		// for it, and answer from it.
		if waited >= foldersWait {
			w.Header().Set("Retry-After", "1")
			return httpError(w, e.class, http.StatusServiceUnavailable, "being rebuilt")
		}
		time.Sleep(5 * time.Millisecond)
		if next := h.dir.Load(); next != sn {
			return h.serveFolder(w, r, next)
		}
	}
}

// folderQuery answers a request with a query for the file of e at p, if
// the query is one of ours, and reports whether it did: a filtered feed,
// an archive or a page with its Chinese text converted (?opencc=). Those
// of feeds need the Site: before the first rebuild, they are asked to
// come back.
func (h *Handler) folderQuery(w http.ResponseWriter, r *http.Request, sn *folderSnap, p string, e *fileEntry) (int, int64, bool) {
	switch {
	case e.class == classPage || e.class == classPost:
		page := func() (*feed.File, error) { return sn.folder.file(e) }
		return h.serveChinese(w, r, sn.cache, p, e.cacheControl(), convertPage(page))
	case sn.site != nil && e.fm != nil && e.fm.archive:
		convert := func(c *feed.Chinese) (*feed.File, error) { return sn.site.Filtered(p, feed.Query{Chinese: c}) }
		return h.serveChinese(w, r, sn.cache, p, e.cacheControl(), convert)
	case sn.site != nil && e.fm != nil && e.fm.feed != nil:
		done, st, n := h.serveQuery(w, r, sn.site, sn.cache, p, e.fm.feed, e.cacheControl())
		return st, n, done
	case e.class != classOther && hasQuery(r.URL.Query()):
		w.Header().Set("Retry-After", "1")
		_, st, n := httpError(w, classQuery, http.StatusServiceUnavailable, "filtered feeds are being prepared")
		return st, n, true
	}
	return 0, 0, false
}

// sendEntry answers with the file of e or a compressed sibling:
// conditional requests, HEAD and ranges, the body with sendfile. It
// reports false, having written nothing, when the file does not hold the
// entry's bytes.
func sendEntry(w http.ResponseWriter, r *http.Request, fo *Folder, e *fileEntry) (int, int64, bool) {
	ae := r.Header["Accept-Encoding"]
	var of *openFile
	switch acceptEncoding(ae, true, true) {
	case encBrotli:
		if of = fo.open(e, ".br"); of == absent && acceptEncoding(ae, false, true) == encGzip {
			of = fo.open(e, ".gz")
		}
	case encGzip:
		of = fo.open(e, ".gz")
	}
	hdr := w.Header()
	var etag []string
	var plain string // the ETag of the file's own bytes
	if of != nil && of != absent {
		etag, plain = of.etag, of.plain
	} else {
		plain = e.etag()
		etag = []string{plain}
	}
	setValidators(hdr, etag, e.hdr.mod, e.cacheControl(), e.linkValue())
	if notModified(r, plain, e.modTime(), etag[0]) {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0, true
	}
	if of == nil || of == absent {
		if of = fo.open(e, ""); of == nil {
			for _, k := range validatorHeaders {
				delete(hdr, k)
			}
			return 0, 0, false
		}
	}
	defer of.release()
	setContent(hdr, e.hdr.typ, of.enc)
	body := io.NewSectionReader(of.f, 0, of.size)
	if _, ok := r.Header["Range"]; ok {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		http.ServeContent(sw, r, "", e.modTime(), body)
		return sw.status, sw.bytes, true
	}
	hdr["Content-Length"] = of.length
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return http.StatusOK, 0, true
	}
	if n, ok := sendFileBody(w, r, of); ok {
		return http.StatusOK, n, true
	}
	n, _ := io.Copy(w, body)
	return http.StatusOK, n, true
}

// sendFileBody sends the body of of with sendfile on a corked connection
// (see corkConn): net/http is given a stand-in of the body's length,
// which the connection replaces with the file. It reports false, having
// sent nothing, where it cannot.
func sendFileBody(w http.ResponseWriter, r *http.Request, of *openFile) (int64, bool) {
	if !haveSendfile {
		return 0, false
	}
	c, _ := r.Context().Value(corkKey{}).(*corkConn)
	fl, ok := w.(http.Flusher)
	z := standIn()
	if c == nil || !ok || of.size <= standInMin || of.size > int64(len(z)) {
		return 0, false
	}
	stand := z[:of.size]
	c.cork()
	fl.Flush() // the headers, into the cork
	c.expectFile(stand, fileRef{f: of.f, fd: of.fd, size: of.size})
	n, _ := w.Write(stand)
	fl.Flush()
	c.uncork()
	return int64(n), true
}

// standInMin is the smallest body sent with a stand-in: net/http copies
// smaller writes into its 4 KB buffer, and the copy would be sent.
const standInMin = 4 << 10

// standIn is the stand-in body of sendFileBody: never written to, so its
// pages are never touched (nor resident).
var standIn = sync.OnceValue(func() []byte { return make([]byte, 2<<20) })

// errStandIn is the error of a connection asked to send a stand-in body
// other than with sendfile.
var errStandIn = errors.New("feedhttp: a file's body could not be sent with sendfile")
