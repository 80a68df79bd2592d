package feed

import (
	"fmt"
	"math/bits"
	"slices"
	"time"
)

// Poll hints (Config.PollHints): how often readers should poll a feed,
// learnt from when its posts appeared, as RSS's ttl, skipHours and
// skipDays and as the Cache-Control that serve sends. They come from the
// posts' dates alone, so the same posts give the same bytes.
//
// A feed's history is its newest pollPosts posts, back to pollDays days
// before the newest; with fewer than pollMinPosts in it, the feed gets no
// hint. Its ttl is the median time between two of its posts, within the
// configured bounds. An hour of the day is quiet when no post of the
// history appeared in it, the history spans a week or more, and the hour
// is one of at least pollMinRun quiet hours in a row (a night, not a
// chance gap); a day of the week is quiet when no post appeared on it and
// the history spans two weeks or more. Hours and days are those of the
// site's time zone (Config.Location), at the offset of the newest post;
// RSS counts them in GMT, so they are turned into the GMT hours and days
// that fall wholly in quiet time.
const (
	pollPosts    = 500
	pollDays     = 90
	pollMinPosts = 20
	pollMinRun   = 3
)

// PollHints bounds the poll hints of feeds; the zero value has none.
type PollHints struct {
	Min, Max time.Duration // the shortest and longest interval hinted
}

// On reports whether feeds carry poll hints.
func (h PollHints) On() bool { return h.Max > 0 }

func (h PollHints) check() error {
	if !h.On() && h.Min == 0 {
		return nil
	}
	if h.Min < time.Minute || h.Max < h.Min {
		return fmt.Errorf("poll_hints: min %v, max %v: want a min of a minute or more and a max at least min, such as min: 5m, max: 6h", h.Min, h.Max)
	}
	return nil
}

// A PollHint is what a feed tells readers about polling it.
type PollHint struct {
	TTL time.Duration // between two polls while posts appear
	Max time.Duration // the longest a reader is told to wait
	// SkipHours has bit h set for the hour h (0-23) GMT, SkipDays bit d
	// for the time.Weekday d GMT: the quiet times.
	SkipHours uint32
	SkipDays  uint8
}

// pollHint is the hint of ch, learnt from its items; false when poll hints
// are off or it has too little history.
func (c *Config) pollHint(ch *channel) (PollHint, bool) {
	if !c.PollHints.On() || len(ch.items) < pollMinPosts {
		return PollHint{}, false
	}
	newest := ch.items[0].post.Date
	since := newest.AddDate(0, 0, -pollDays)
	dates := make([]time.Time, 0, min(len(ch.items), pollPosts))
	for _, it := range ch.items[:min(len(ch.items), pollPosts)] {
		if it.post.Date.Before(since) {
			break
		}
		dates = append(dates, it.post.Date)
	}
	if len(dates) < pollMinPosts {
		return PollHint{}, false
	}
	h := PollHint{TTL: medianGap(dates), Max: c.PollHints.Max}
	h.TTL = min(max(h.TTL.Round(time.Minute), c.PollHints.Min), c.PollHints.Max)
	var hours [24]bool
	var days [7]bool
	for _, d := range dates {
		l := d.In(c.Location)
		hours[l.Hour()], days[l.Weekday()] = true, true
	}
	span := dates[0].Sub(dates[len(dates)-1])
	var quiet [7 * 24]bool // by hour of the week, local, from Sunday 00:00
	for k := range quiet {
		day, hour := k/24, k%24
		quiet[k] = span >= 14*24*time.Hour && !days[day] ||
			span >= 7*24*time.Hour && quietRun(&hours, hour)
	}
	_, off := newest.In(c.Location).Zone()
	h.SkipHours, h.SkipDays = gmtQuiet(&quiet, off)
	return h, true
}

// medianGap is the median time between consecutive dates (newest first).
func medianGap(dates []time.Time) time.Duration {
	gaps := make([]time.Duration, len(dates)-1)
	for i := range gaps {
		gaps[i] = max(0, dates[i].Sub(dates[i+1]))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// quietRun reports whether no post appeared in hour h, and h is in a run
// of at least pollMinRun such hours (the day wrapping around).
func quietRun(seen *[24]bool, h int) bool {
	if seen[h] {
		return false
	}
	n := 1
	for k := 1; k < 24 && !seen[(h+k)%24]; k++ {
		n++
	}
	for k := 1; k < 24 && !seen[(h-k+24)%24]; k++ {
		n++
	}
	return n >= pollMinRun
}

// gmtQuiet turns the quiet hours of a local week, at off seconds east of
// GMT, into the GMT hours quiet on every day and the GMT days quiet in
// every hour. A GMT hour counts as quiet when its first and last minutes
// both fall in quiet local hours (offsets of half an hour).
func gmtQuiet(quiet *[7 * 24]bool, off int) (hours uint32, days uint8) {
	const week = 7 * 24 * 60
	at := func(m int) bool { return quiet[((m+off/60)%week+week)%week/60] }
	var grid [7 * 24]bool
	for k := range grid {
		grid[k] = at(k*60) && at(k*60+59)
	}
	for h := range 24 {
		if every(7, func(d int) bool { return grid[d*24+h] }) {
			hours |= 1 << h
		}
	}
	for d := range 7 {
		if every(24, func(h int) bool { return grid[d*24+h] }) {
			days |= 1 << d
		}
	}
	return hours, days
}

// every reports whether f holds for 0 to n-1.
func every(n int, f func(int) bool) bool {
	for i := range n {
		if !f(i) {
			return false
		}
	}
	return true
}

// quietAt reports whether t (any zone) falls in the hint's quiet times.
func (h PollHint) quietAt(t time.Time) bool {
	t = t.UTC()
	return h.SkipHours&(1<<t.Hour()) != 0 || h.SkipDays&(1<<t.Weekday()) != 0
}

// MaxAge is how long a reader may keep the feed, asked at now: its TTL,
// or in a quiet time until the quiet time ends, within TTL and Max.
func (h PollHint) MaxAge(now time.Time) time.Duration {
	if !h.quietAt(now) {
		return h.TTL
	}
	end := now.UTC().Truncate(time.Hour)
	for range 7 * 24 {
		end = end.Add(time.Hour)
		if !h.quietAt(end) {
			break
		}
	}
	return min(max(end.Sub(now), h.TTL), h.Max)
}

// Hours lists the GMT hours of SkipHours, Days the names of the days of
// SkipDays, as RSS writes them.
func (h PollHint) Hours() []int {
	out := make([]int, 0, bits.OnesCount32(h.SkipHours))
	for k := range 24 {
		if h.SkipHours&(1<<k) != 0 {
			out = append(out, k)
		}
	}
	return out
}

// Days lists the days of SkipDays by name, Monday first.
func (h PollHint) Days() []string {
	var out []string
	for k := range 7 {
		d := time.Weekday((k + 1) % 7)
		if h.SkipDays&(1<<d) != 0 {
			out = append(out, d.String())
		}
	}
	return out
}

// rssSkipHours and rssSkipDays are RSS's skipHours and skipDays: gorilla/
// feeds writes them as text, where RSS wants an element per hour or day.
type rssSkipHours struct {
	Hour []int `xml:"hour"`
}

type rssSkipDays struct {
	Day []string `xml:"day"`
}

// rssPoll sets the ttl, skipHours and skipDays of the RSS channel of ch
// from its poll hint, if it has one; an archive document has none.
func (c *Config) rssPoll(ch *channel, rc *rssChannel) {
	h, ok := c.pollHint(ch)
	if !ok || ch.arch > 0 {
		return
	}
	rc.Ttl = int(h.TTL.Minutes())
	if h.SkipHours != 0 {
		rc.SkipHours = &rssSkipHours{Hour: h.Hours()}
	}
	if h.SkipDays != 0 {
		rc.SkipDays = &rssSkipDays{Day: h.Days()}
	}
}

// PollHint is the poll hint of the feed at path p: false for any other
// file, or a feed without one.
func (s *Site) PollHint(p string) (PollHint, bool) {
	sf, ok := s.paths[p]
	if !ok || sf.ch == nil || sf.f < 0 || sf.arch > 0 {
		return PollHint{}, false
	}
	return s.r.pollHint(sf.ch)
}
