package feedhttp

import (
	"fmt"
	"net/http"

	"feedpub/feed"
)

// pageChinese is the conversion of Chinese text that a request for a page
// asks for with ?opencc= (see feed.ChineseConversion): nil for none, an
// error, meant for the client, for a bad value.
func pageChinese(r *http.Request) (*feed.Chinese, error) {
	v := r.URL.Query()["opencc"]
	switch len(v) {
	case 0:
		return nil, nil
	case 1:
		return feed.ChineseConversion(v[0])
	}
	return nil, fmt.Errorf("opencc: given %d times; give it once", len(v))
}

// serveChinese answers a request for the file at p that asks for its
// Chinese text converted, made by convert: made once and kept in cache
// with the filtered feeds, sent with Cache-Control cc. It reports false,
// having written nothing, when the request asks for no conversion.
func (h *Handler) serveChinese(w http.ResponseWriter, r *http.Request, cache *queryCache, p string, cc []string, convert func(*feed.Chinese) (*feed.File, error)) (int, int64, bool) {
	if f := cache.lookup(p, r.URL.RawQuery); f != nil {
		st, n := serveFile(w, r, f.f, f.gz, cc)
		return st, n, true
	}
	conv, err := pageChinese(r)
	if err != nil {
		_, st, n := httpError(w, classQuery, http.StatusBadRequest, err.Error())
		return st, n, true
	}
	if conv == nil {
		return 0, 0, false
	}
	f, err := cache.getFile(p, "opencc="+conv.Name(), r.URL.RawQuery, func() (*feed.File, error) { return convert(conv) })
	if err != nil {
		_, st, n := h.notMade(w, r, classQuery, "converted page", "page", p, err)
		return st, n, true
	}
	st, n := serveFile(w, r, f.f, f.gz, cc)
	return st, n, true
}

// convertPage converts the text of the HTML page made by page.
func convertPage(page func() (*feed.File, error)) func(*feed.Chinese) (*feed.File, error) {
	return func(c *feed.Chinese) (*feed.File, error) {
		f, err := page()
		if err != nil {
			return nil, err
		}
		return c.ConvertPage(f), nil
	}
}
