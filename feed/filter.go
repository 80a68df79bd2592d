package feed

import (
	"fmt"
	"math"
	"regexp"
)

// A Query narrows a feed, as the query parameters RSSHub users know do
// (feedhttp parses them): at most Limit items, those whose title or text
// Filter matches and FilterOut does not, in the category of slug Category.
type Query struct {
	Limit             int
	Filter, FilterOut *regexp.Regexp
	Category          string // a slug; only on the all-posts feed
	// Chinese, when set, converts the text of the items (not what
	// Filter matches, which is the text as written).
	Chinese *Chinese
	// Key is the query in canonical form, escaped: the feed's self link
	// ends in "?"+Key.
	Key string
}

// filterItems returns the items of ch that q lets through, newest first,
// at most q.Limit of them, with each one's position in ch.items.
func (q *Query) filterItems(ch *channel) ([]*item, []int) {
	var out []*item
	var pos []int
	for i, it := range ch.items {
		if len(out) == q.Limit {
			break
		}
		if q.Category != "" && !inCategory(it, q.Category) {
			continue
		}
		if q.Filter != nil || q.FilterOut != nil {
			// A query never reads the folder: a post whose body is
			// neither kept for a feed nor in memory (a folder over the
			// body budget) is matched on its title alone.
			text := it.post.Title
			if pr := it.prep.Load(); pr != nil {
				text += "\n" + plainText(pr.content, math.MaxInt32)
			} else if it.post.Body != "" {
				text += "\n" + plainText(it.post.Body, math.MaxInt32)
			}
			if q.Filter != nil && !q.Filter.MatchString(text) {
				continue
			}
			if q.FilterOut != nil && q.FilterOut.MatchString(text) {
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

// Filtered makes the feed at path p narrowed by q, with the same encoders
// as Build; an archive document takes q's Chinese alone. An item's cached
// encoding is used only when the item is among the first Limit of its
// feed: those were encoded before the Site was returned and are never
// written again, so reading them races with no later Build.
func (s *Site) Filtered(p string, q Query) (*File, error) {
	sf, ok := s.paths[p]
	if !ok || sf.ch == nil || sf.f < 0 {
		return nil, fmt.Errorf("feed: no feed at %s", p)
	}
	ch, f := sf.ch, sf.f
	if sf.arch > 0 {
		body, err := s.archiveBody(ch, f, sf.arch, q.Chinese)
		if err != nil {
			return nil, fmt.Errorf("feed: %s: %w", p, err)
		}
		items := s.r.archiveItems(ch, sf.arch)
		return newFile(body, formatList[f].mediaType, newest(items, len(items))), nil
	}
	items, pos := q.filterItems(ch)
	parts := make([][]byte, len(items))
	for i, it := range items {
		if q.Chinese != nil { // a copy, with no encodings: encoded below
			it = q.Chinese.item(it, s.r.prepare(it, false))
			items[i] = it
		}
		if pos[i] < s.r.Limit {
			it.mu.Lock()
			parts[i] = it.encoding(f)
			it.mu.Unlock()
		}
		if parts[i] == nil {
			enc, err := s.r.encodeItem(it, f, s.r.prepare(it, false))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			parts[i] = enc
		}
	}
	self := s.r.feedURL(ch, &formatList[f]) + "?" + q.Key
	if q.Chinese != nil {
		ch = q.Chinese.channel(ch)
	}
	body, _, err := s.r.feedBody(ch, f, self, items, parts)
	if err != nil {
		return nil, err
	}
	return newFile(body, formatList[f].mediaType, newest(items, len(items))), nil
}
