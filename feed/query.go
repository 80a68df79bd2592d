package feed

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Query parameters on feeds, as RSSHub users know them:
//
//	limit=N                      at most N items (1 to MaxLimit)
//	filter=REGEX                 only items whose title or text matches
//	filterout=REGEX              leave out items whose title or text matches
//	filter_case_sensitive=false  match the expressions ignoring case
//	category=NAME                on the all-posts feed: only that category
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

var queryParams = [...]string{"limit", "filter", "filterout", "filter_case_sensitive", "category"}

// feedQuery is a checked set of query parameters.
type feedQuery struct {
	limit             int
	filter, filterout *regexp.Regexp
	category          string // a slug
	key               string // the parameters in canonical order, escaped
}

// parseQuery checks the query parameters of a request for ch's feed. It
// returns nil when none of ours is present (other parameters, such as
// cache busters, are ignored) and an error, meant for the client, for a
// bad value.
func parseQuery(v url.Values, ch *channel, c *Config) (*feedQuery, error) {
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
	q := &feedQuery{limit: c.Limit}
	if s, ok := canon["limit"]; ok {
		n, err := ParseLimit(s[0])
		if err != nil {
			return nil, err
		}
		q.limit = n
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
			q.filter = re
		} else {
			q.filterout = re
		}
	}
	if s, ok := canon["category"]; ok {
		if ch.dir != "" {
			return nil, fmt.Errorf("category: only the all-posts feed takes it; this feed is the category %q already", ch.name)
		}
		if strings.TrimSpace(s[0]) == "" {
			return nil, fmt.Errorf("category: want a category name, got nothing")
		}
		q.category = Slug(s[0])
	}
	q.key = canon.Encode()
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

// filterItems returns the items of ch that q lets through, newest first,
// at most q.limit of them, with each one's position in ch.items.
func (q *feedQuery) filterItems(ch *channel) ([]*item, []int) {
	var out []*item
	var pos []int
	for i, it := range ch.items {
		if len(out) == q.limit {
			break
		}
		if q.category != "" && !inCategory(it, q.category) {
			continue
		}
		if q.filter != nil || q.filterout != nil {
			// A query never reads the folder: a post whose body is
			// neither kept for a feed nor in memory (a folder over the
			// body budget) is matched on its title alone.
			text := it.post.Title
			if pr := it.prep.Load(); pr != nil {
				text += "\n" + plainText(pr.content, math.MaxInt32)
			} else if it.post.Body != "" {
				text += "\n" + plainText(it.post.Body, math.MaxInt32)
			}
			if q.filter != nil && !q.filter.MatchString(text) {
				continue
			}
			if q.filterout != nil && q.filterout.MatchString(text) {
				continue
			}
		}
		out = append(out, it)
		pos = append(pos, i)
	}
	return out, pos
}

func inCategory(it *item, slug string) bool {
	for _, c := range it.categories {
		if c.slug == slug {
			return true
		}
	}
	return false
}

// encodeQuery makes the feed of format f for ch filtered by q, with the
// same encoders as Build. An item's cached encoding is used only when the
// item is among the first Limit of ch: those were encoded before the Site
// was stored and are never written again, so reading them races with no
// later Build.
func (s *Site) encodeQuery(ch *channel, f int, q *feedQuery) (*File, error) {
	items, pos := q.filterItems(ch)
	parts := make([][]byte, len(items))
	for i, it := range items {
		if pos[i] < s.cfg.Limit {
			it.mu.Lock()
			parts[i] = it.enc[f]
			it.mu.Unlock()
		}
		if parts[i] == nil {
			enc, err := formatList[f].item(&s.cfg, it, s.cfg.prepare(it, false))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			parts[i] = enc
		}
	}
	self := s.cfg.feedURL(ch, &formatList[f]) + "?" + q.key
	body, err := formatList[f].feed(&s.cfg, ch, self, parts)
	if err != nil {
		return nil, err
	}
	file := newFile(body, formatList[f].mediaType, newest(items, len(items)))
	file.Gzip = gzipBytes(body)
	return file, nil
}

// queryCache keeps the filtered feeds of one Site, at most queryCacheSize
// of them and QueryCacheBytes (all are dropped when it is full: simple,
// and a new Site starts a new cache anyway).
type queryCache struct {
	mu    sync.Mutex
	m     map[string]*File // by path and canonical query
	raw   map[string]*File // by path and query as the client wrote it; only files of m
	bytes int64            // of the files of m
	gauge func(int64)      // told bytes when it changes; nil for none
}

func newQueryCache(gauge func(int64)) *queryCache {
	c := &queryCache{m: map[string]*File{}, raw: map[string]*File{}, gauge: gauge}
	if gauge != nil {
		gauge(0)
	}
	return c
}

// fileBytes is what a kept filtered feed costs.
func fileBytes(f *File) int64 { return int64(len(f.Body) + len(f.Gzip)) }

// lookup finds the feed of a query the way a client wrote it before,
// without parsing it again.
func (c *queryCache) lookup(path, rawQuery string) *File {
	c.mu.Lock()
	f := c.raw[path+"?"+rawQuery]
	c.mu.Unlock()
	return f
}

func (c *queryCache) get(s *Site, e *entry, q *feedQuery, path, rawQuery string) (*File, error) {
	f, kept, err := c.canonical(s, e, q)
	if err != nil || !kept {
		return f, err
	}
	c.mu.Lock()
	if len(c.raw) >= queryCacheSize {
		clear(c.raw)
	}
	if c.m[e.ch.dir+formatList[e.fmt].file+"?"+q.key] == f { // not dropped meanwhile
		c.raw[path+"?"+rawQuery] = f
	}
	c.mu.Unlock()
	return f, nil
}

// canonical returns the feed of q, made now or kept, and whether it is
// kept.
func (c *queryCache) canonical(s *Site, e *entry, q *feedQuery) (*File, bool, error) {
	key := e.ch.dir + formatList[e.fmt].file + "?" + q.key
	c.mu.Lock()
	f := c.m[key]
	c.mu.Unlock()
	if f != nil {
		return f, true, nil
	}
	f, err := s.encodeQuery(e.ch, e.fmt, q)
	if err != nil {
		return nil, false, err
	}
	n := fileBytes(f)
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
