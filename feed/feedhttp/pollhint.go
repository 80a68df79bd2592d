package feedhttp

import (
	"time"

	"feedpub/feed"
)

// pollCC is the Cache-Control of the feed at p of s, and its poll hint:
// the hint's ttl, or cc when it has none (feed.PollHints).
func pollCC(s *feed.Site, p string, cc []string) ([]string, *feed.PollHint) {
	h, ok := s.PollHint(p)
	if !ok {
		return cc, nil
	}
	return []string{cacheControl(h.TTL)}, &h
}

// cacheControl is the entry's Cache-Control as of now: in the quiet time
// of a feed with a poll hint, until the quiet time ends (see
// feed.PollHint.MaxAge). The clock sets this header only, never a byte of
// the feed.
func (e *entry) cacheControl() []string {
	if e.poll == nil {
		return e.cc
	}
	if age := e.poll.MaxAge(time.Now()); age != e.poll.TTL {
		return []string{cacheControl(age)}
	}
	return e.cc
}
