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
//	limit=N                      at most N items (1 to maxQueryLimit)
//	filter=REGEX                 only items whose title or text matches
//	filterout=REGEX              leave out items whose title or text matches
//	filter_case_sensitive=false  match the expressions ignoring case
//	category=NAME                on the all-posts feed: only that category
//
// Expressions are Go regexps (RE2: linear time, whatever the pattern) of
// at most maxRegex bytes. A filtered feed is encoded with the same code as
// a plain one, gets its own ETag, and is kept in a small per-Site cache,
// since readers poll the same URL again and again.
const (
	maxQueryLimit  = 10000
	maxRegex       = 256
	queryCacheSize = 64
)

var queryParams = [...]string{"limit", "filter", "filterout", "filter_case_sensitive", "category"}

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
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 1 || n > maxQueryLimit {
			return nil, fmt.Errorf("limit: want a whole number from 1 to %d, got %q", maxQueryLimit, clipPath(s[0]))
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
	q.Key = canon.Encode()
	return q, nil
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
// of them (all are dropped when it is full: simple, and a new Site starts
// a new cache anyway).
type queryCache struct {
	mu  sync.Mutex
	m   map[string]*filtered // by path and canonical query
	raw map[string]*filtered // by path and query as the client wrote it
}

func newQueryCache() *queryCache {
	return &queryCache{m: map[string]*filtered{}, raw: map[string]*filtered{}}
}

// lookup finds the feed of a query the way a client wrote it before,
// without parsing it again.
func (c *queryCache) lookup(path, rawQuery string) *filtered {
	c.mu.Lock()
	f := c.raw[path+"?"+rawQuery]
	c.mu.Unlock()
	return f
}

func (c *queryCache) get(s *feed.Site, q *feed.Query, path, rawQuery string) (*filtered, error) {
	f, err := c.canonical(s, q, path)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.raw) >= queryCacheSize {
		clear(c.raw)
	}
	c.raw[path+"?"+rawQuery] = f
	c.mu.Unlock()
	return f, nil
}

func (c *queryCache) canonical(s *feed.Site, q *feed.Query, path string) (*filtered, error) {
	key := path + "?" + q.Key
	c.mu.Lock()
	f := c.m[key]
	c.mu.Unlock()
	if f != nil {
		return f, nil
	}
	file, err := s.Filtered(path, *q)
	if err != nil {
		return nil, err
	}
	f = &filtered{file, compress.Gzip(file.Body)}
	c.mu.Lock()
	if len(c.m) >= queryCacheSize {
		clear(c.m)
	}
	c.m[key] = f
	c.mu.Unlock()
	return f, nil
}
