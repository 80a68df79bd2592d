package feed

import (
	"bytes"
	"fmt"
	"slices"
)

// Content says what an item of a feed carries besides its summary.
const (
	ContentFull    = "full"    // the post's whole HTML (the default)
	ContentSummary = "summary" // the summary alone
)

// DefaultMaxFeedBytes is the size no feed grows past unless the
// configuration says: aggregators and proxies refuse larger feeds.
const DefaultMaxFeedBytes = 1 << 20

// briefed is pr for a feed that carries its summary alone.
func (pr *prepared) briefed() *prepared {
	cp := *pr
	cp.brief = true
	return &cp
}

// encodeItem encodes it in format f from pr: in full, or its summary
// alone when the site publishes summaries.
func (c *renderer) encodeItem(it *item, f int, pr *prepared) ([]byte, error) {
	return c.appendItem(nil, it, f, pr)
}

// appendItem is encodeItem appending to b.
func (c *renderer) appendItem(b []byte, it *item, f int, pr *prepared) ([]byte, error) {
	if c.Content == ContentSummary && !pr.brief {
		pr = pr.briefed()
	}
	return formatList[f].item(b, &c.Config, it, pr)
}

// feedBody makes the feed of ch in format f, linking to itself as self,
// from parts, the encodings of items (the first ones of ch), within the
// byte budget (Config.MaxFeedBytes). offsets tell where each part written
// whole starts in body; an item written as its summary (-1) or left out
// (offsets is shorter than items) has none.
func (c *renderer) feedBody(ch *channel, f int, self string, items []*item, parts [][]byte) (body []byte, offsets []int, err error) {
	fr, err := frameOf(&c.Config, ch, f, self)
	if err != nil {
		return nil, nil, err
	}
	if fr == nil || fr.size(parts) <= c.MaxFeedBytes {
		return splice(&c.Config, ch, f, self, fr, parts)
	}
	// The feed says what it holds in its description, whose length is
	// taken at its longest: the counts only fall from there.
	wide := *ch
	wide.description = c.budgetNote(ch, len(parts), len(parts))
	if fr, err = frameOf(&c.Config, &wide, f, self); err != nil || fr == nil {
		return nil, nil, fmt.Errorf("feed: no frame for the budget: %w", err)
	}
	parts = slices.Clone(parts)
	size := fr.size(parts)
	brief := 0 // the last brief items are summaries
	for k := len(parts) - 1; k >= 0 && size > c.MaxFeedBytes && c.Content != ContentSummary; k-- {
		enc, err := c.encodeItem(items[k], f, c.prepare(items[k], false).briefed())
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", items[k].post.Path, err)
		}
		size += len(enc) - len(parts[k])
		parts[k] = enc
		brief++
	}
	for len(parts) > 0 && size > c.MaxFeedBytes {
		k := len(parts) - 1
		size -= len(parts[k])
		if k > 0 {
			size -= len(fr.sep)
		}
		parts = parts[:k]
		brief = max(0, brief-1)
	}
	held := *ch
	held.description = c.budgetNote(ch, len(parts), brief)
	if fr, err = frameOf(&c.Config, &held, f, self); err != nil {
		return nil, nil, err
	}
	body, offsets, err = splice(&c.Config, &held, f, self, fr, parts)
	for k := len(parts) - brief; k < len(offsets); k++ {
		offsets[k] = -1
	}
	return body, offsets, err
}

// budgetNote is ch's description with what its feed holds: held of its
// posts, the last brief of them as summaries.
func (c *renderer) budgetNote(ch *channel, held, brief int) string {
	t := chromeOf(c.Language)
	note := ch.description + " — " + t.more(held, len(ch.items))
	if brief > 0 {
		note += " " + t.p.Sprintf(msgBrief, brief)
	}
	return note
}

// A feedFrame is a feed without its items: what comes before, between and
// after them.
type feedFrame struct{ head, sep, tail []byte }

func (fr *feedFrame) size(parts [][]byte) int {
	n := len(fr.head) + len(fr.tail) + len(fr.sep)*max(0, len(parts)-1)
	for _, p := range parts {
		n += len(p)
	}
	return n
}

// Two markers, which no encoder changes, stand for the items in a first
// encoding of a feed: what comes before the first, between the two and
// after the second is the feed's head, separator and tail.
var spliceMarks = [2][]byte{[]byte("\x00feedpub-item-1\x00"), []byte("\x00feedpub-item-2\x00")}

// frameOf encodes the feed of ch in format f around two markers and cuts
// it there; nil when the format does not keep the markers intact.
func frameOf(c *Config, ch *channel, f int, self string) (*feedFrame, error) {
	frame, err := formatList[f].feed(c, ch, self, spliceMarks[:])
	if err != nil {
		return nil, err
	}
	i := bytes.Index(frame, spliceMarks[0])
	j := bytes.Index(frame, spliceMarks[1])
	if i < 0 || j < i+len(spliceMarks[0]) {
		return nil, nil
	}
	return &feedFrame{head: frame[:i], sep: frame[i+len(spliceMarks[0]) : j], tail: frame[j+len(spliceMarks[1]):]}, nil
}

// splice writes head, items and tail into one buffer of the exact size: a
// feed of hundreds of kilobytes is copied once, not grown and copied again
// by each encoder. Without a frame (fr nil) or items, the feed is encoded
// with its items directly.
func splice(c *Config, ch *channel, f int, self string, fr *feedFrame, parts [][]byte) (body []byte, offsets []int, err error) {
	if fr == nil || len(parts) == 0 {
		body, err := formatList[f].feed(c, ch, self, parts)
		return body, nil, err
	}
	out := make([]byte, 0, fr.size(parts))
	out = append(out, fr.head...)
	offsets = make([]int, len(parts))
	for k, p := range parts {
		if k > 0 {
			out = append(out, fr.sep...)
		}
		offsets[k] = len(out)
		out = append(out, p...)
	}
	return append(out, fr.tail...), offsets, nil
}
