package feedhttp

import (
	"net/http"

	"feedpub/feed"
)

// immutableCC is the Cache-Control of a full archive document (RFC 5005,
// see feed/archive.go): its bytes never change, so caches keep it a year
// and never ask again.
var immutableCC = []string{"public, max-age=31536000, immutable"}

// serveArchive answers with an archive document of a feed, made now.
func (h *Handler) serveArchive(w http.ResponseWriter, r *http.Request, sn *snapshot, p string, full bool) (class, int, int64) {
	cl := classOf(p)
	cc := sn.cc
	if full {
		cc = immutableCC
	}
	if r.URL.RawQuery != "" {
		convert := func(c *feed.Chinese) (*feed.File, error) { return sn.site.Filtered(p, feed.Query{Chinese: c}) }
		if st, n, ok := h.serveChinese(w, r, sn.cache, p, cc, convert); ok {
			return cl, st, n
		}
	}
	f, err := sn.site.File(p)
	if err != nil || f == nil {
		return h.notMade(w, r, cl, "archive", "archive", p, err)
	}
	st, n := serveFile(w, r, f, nil, cc)
	return cl, st, n
}
