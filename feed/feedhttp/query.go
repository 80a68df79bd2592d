package feedhttp

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"feedpub/feed"
	"feedpub/internal/compress"
)

// Query parameters on feeds, as RSSHub users know them:
//
//	limit=N                      at most N items (1 to MaxLimit)
//	filter=REGEX                 only items whose title or text matches
//	filterout=REGEX              leave out items whose title or text matches
//	filter_case_sensitive=false  match the expressions ignoring case
//	category=NAME                on the all-posts feed: only that category
//	opencc=s2t                   Chinese text converted (s2t, t2s, ...; see
//	                             feed.ChineseConversion): on pages too
//
// Expressions are Go regexps (RE2: linear time, whatever the pattern) of
// at most maxRegex bytes. A filtered feed is encoded with the same code as
// a plain one, gets its own ETag, and is kept in a small per-Site cache,
// since readers poll the same URL again and again: at most queryCacheSize
// feeds of at most QueryCacheBytes in all, none over a eighth of that
// (a larger one is made for each request and dropped).
const (
	maxRegex       = 256
	queryCacheSize = 64
	// QueryCacheBytes bounds the bytes (plain and gzip) of the filtered
	// feeds kept for one Site.
	QueryCacheBytes = 32 << 20
)

var queryParams = [...]string{"limit", "filter", "filterout", "filter_case_sensitive", "category", "opencc"}

// parseQuery checks the query parameters of a request for the feed fi,
// whose plain form holds limit items. It
// returns nil when none of ours is present (other parameters, such as
// cache busters, are ignored) and an error, meant for the client, for a
// bad value.
func parseQuery(v url.Values, fi *feed.FeedInfo, limit int) (*feed.Query, error) {
	canon := url.Values{}
	for _, name := range queryParams {
		vals, ok := v[name]
		if !ok {
			continue
		}
		if len(vals) > 1 {
			return nil, fmt.Errorf("%s: given %d times; give it once", name, len(vals))
		}
		canon[name] = vals
	}
	if len(canon) == 0 {
		return nil, nil
	}
	q := &feed.Query{Limit: limit}
	if s, ok := canon["limit"]; ok {
		n, err := feed.ParseLimit(s[0])
		if err != nil {
			return nil, err
		}
		q.Limit = n
	}
	fold := false
	if s, ok := canon["filter_case_sensitive"]; ok {
		b, err := strconv.ParseBool(s[0])
		if err != nil {
			return nil, fmt.Errorf("filter_case_sensitive: want true or false, got %q", clipPath(s[0]))
		}
		fold = !b
	}
	for _, name := range []string{"filter", "filterout"} {
		s, ok := canon[name]
		if !ok {
			continue
		}
		re, err := compileFilter(s[0], fold)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if name == "filter" {
			q.Filter = re
		} else {
			q.FilterOut = re
		}
	}
	if s, ok := canon["category"]; ok {
		if fi.Dir != "" {
			return nil, fmt.Errorf("category: only the all-posts feed takes it; this feed is the category %q already", fi.Name)
		}
		if strings.TrimSpace(s[0]) == "" {
			return nil, fmt.Errorf("category: want a category name, got nothing")
		}
		q.Category = feed.Slug(s[0])
	}
	if s, ok := canon["opencc"]; ok {
		c, err := feed.ChineseConversion(s[0])
		if err != nil {
			return nil, err
		}
		q.Chinese = c
	}
	q.Key = canon.Encode()
	return q, nil
}

// hasQuery reports whether v holds any parameter of ours.
func hasQuery(v url.Values) bool {
	for _, name := range queryParams {
		if _, ok := v[name]; ok {
			return true
		}
	}
	return false
}

func compileFilter(expr string, fold bool) (*regexp.Regexp, error) {
	switch {
	case expr == "":
		return nil, fmt.Errorf("want a regular expression, got nothing")
	case len(expr) > maxRegex:
		return nil, fmt.Errorf("expression of %d bytes; at most %d are allowed", len(expr), maxRegex)
	}
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("not a valid regular expression: %w", err)
	}
	return re, nil
}

// filtered is a filtered feed and its gzip.
type filtered struct {
	f  *feed.File
	gz []byte
}

// queryCache keeps the filtered feeds of one Site, at most queryCacheSize
// of them and QueryCacheBytes (all are dropped when it is full: simple,
// and a new Site starts a new cache anyway).
type queryCache struct {
	mu    sync.Mutex
	m     map[string]*filtered // by path and canonical query
	raw   map[string]*filtered // by path and query as the client wrote it; only feeds of m
	bytes int64                // of the feeds of m
	gauge func(int64)          // told bytes when it changes; nil for none
	hit   func(bool)           // told whether each request found its feed kept; nil for none
}

func newQueryCache(gauge func(int64)) *queryCache {
	c := &queryCache{m: map[string]*filtered{}, raw: map[string]*filtered{}, gauge: gauge}
	if gauge != nil {
		gauge(0)
	}
	return c
}

// size is what a kept filtered feed costs.
func (f *filtered) size() int64 { return int64(len(f.f.Body) + len(f.gz)) }

// lookup finds the feed of a query the way a client wrote it before,
// without parsing it again.
func (c *queryCache) lookup(path, rawQuery string) *filtered {
	c.mu.Lock()
	f := c.raw[path+"?"+rawQuery]
	c.mu.Unlock()
	if f != nil && c.hit != nil {
		c.hit(true)
	}
	return f
}

// get returns the feed at path of s narrowed by q (as the client wrote it:
// rawQuery), kept or made now.
func (c *queryCache) get(s *feed.Site, q *feed.Query, path, rawQuery string) (*filtered, error) {
	return c.getFile(path, q.Key, rawQuery, func() (*feed.File, error) { return s.Filtered(path, *q) })
}

// getFile returns the file at path for the query in canonical form key
// (as the client wrote it: rawQuery), kept or made now by make.
func (c *queryCache) getFile(path, key, rawQuery string, make func() (*feed.File, error)) (*filtered, error) {
	f, kept, err := c.canonical(path+"?"+key, make)
	if err != nil || !kept {
		return f, err
	}
	c.mu.Lock()
	if len(c.raw) >= queryCacheSize {
		clear(c.raw)
	}
	if c.m[path+"?"+key] == f { // not dropped meanwhile
		c.raw[path+"?"+rawQuery] = f
	}
	c.mu.Unlock()
	return f, nil
}

// canonical returns the file of key (path and canonical query), made now
// by make or kept, and whether it is kept.
func (c *queryCache) canonical(key string, make func() (*feed.File, error)) (*filtered, bool, error) {
	c.mu.Lock()
	f := c.m[key]
	c.mu.Unlock()
	if c.hit != nil {
		c.hit(f != nil)
	}
	if f != nil {
		return f, true, nil
	}
	file, err := make()
	if err != nil {
		return nil, false, err
	}
	f = &filtered{file, compress.Gzip(file.Body)}
	n := f.size()
	if n > QueryCacheBytes/8 {
		return f, false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[key]; old != nil { // made meanwhile by another request
		return old, true, nil
	}
	if len(c.m) >= queryCacheSize || c.bytes+n > QueryCacheBytes {
		clear(c.m)
		clear(c.raw)
		c.bytes = 0
	}
	c.m[key] = f
	c.bytes += n
	if c.gauge != nil {
		c.gauge(c.bytes)
	}
	return f, true, nil
}
