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
// since readers poll the same URL again and again.
const (
	maxRegex       = 256
	queryCacheSize = 64
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
// of them (all are dropped when it is full: simple, and a new Site starts
// a new cache anyway).
type queryCache struct {
	mu  sync.Mutex
	m   map[string]*File // by path and canonical query
	raw map[string]*File // by path and query as the client wrote it
}

func newQueryCache() *queryCache {
	return &queryCache{m: map[string]*File{}, raw: map[string]*File{}}
}

// lookup finds the feed of a query the way a client wrote it before,
// without parsing it again.
func (c *queryCache) lookup(path, rawQuery string) *File {
	c.mu.Lock()
	f := c.raw[path+"?"+rawQuery]
	c.mu.Unlock()
	return f
}

func (c *queryCache) get(s *Site, e *entry, q *feedQuery, path, rawQuery string) (*File, error) {
	f, err := c.canonical(s, e, q)
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

func (c *queryCache) canonical(s *Site, e *entry, q *feedQuery) (*File, error) {
	key := e.ch.dir + formatList[e.fmt].file + "?" + q.key
	c.mu.Lock()
	f := c.m[key]
	c.mu.Unlock()
	if f != nil {
		return f, nil
	}
	f, err := s.encodeQuery(e.ch, e.fmt, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= queryCacheSize {
		clear(c.m)
	}
	c.m[key] = f
	c.mu.Unlock()
	return f, nil
}
