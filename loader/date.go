package loader

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Layouts that carry their own zone or offset.
var zonedLayouts = []string{
	time.RFC1123,  // Sat, 16 Oct 2021 17:55:00 GMT (the seed's form)
	time.RFC1123Z, // Sat, 16 Oct 2021 17:55:00 +0800
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700",
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04 -0700", // Jekyll
	"2006-01-02 15:04:05 -0700 MST",
	"2006-1-2 15:04:05 -0700",
}

// Layouts read in the configured zone.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/1/2 15:04:05", // also 2006/01/02: Hexo's moment.js reads both
	"2006/1/2 15:04",
	"2006/1/2",
	"2006-1-2 15:04:05",
	"2006-1-2 15:04",
	"2006-1-2",
}

// ParseDate reads a date in one of the forms posts use: RFC 1123, RFC 3339,
// 2006-01-02 15:04:05, 2006-01-02 15:04 or 2006-01-02. A date without a
// zone is read in loc (UTC when nil). Years outside 1000-9999, in loc or
// in UTC, are refused: RSS wants four digits.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	t, err := parseDate(s, loc)
	if err != nil {
		return time.Time{}, err
	}
	t = sharedZone(t, loc)
	// Feeds write dates in UTC too: the year must have four digits in both.
	for _, y := range []int{t.Year(), t.UTC().Year()} {
		if y < 1000 || y > 9999 {
			return time.Time{}, fmt.Errorf("year %d out of range 1000-9999", y)
		}
	}
	return t, nil
}

// zones holds one *time.Location per fixed zone seen: time.Parse makes a
// new one for each date it reads with an offset, which a folder of 100,000
// posts would keep 100,000 times.
var (
	zones     sync.Map // zoneKey -> *time.Location
	zoneCount atomic.Int32
)

// maxZones bounds zones: past it, a date keeps its own Location.
const maxZones = 1024

type zoneKey struct {
	name   string
	offset int
}

// sharedZone is t in the shared Location of its zone, which has the same
// name and offset: the same instant, printed the same way.
func sharedZone(t time.Time, loc *time.Location) time.Time {
	l := t.Location()
	if l == time.UTC || l == loc || l == time.Local {
		return t
	}
	name, off := t.Zone()
	k := zoneKey{name, off}
	z, ok := zones.Load(k)
	if !ok {
		if zoneCount.Load() >= maxZones {
			return t
		}
		var loaded bool
		if z, loaded = zones.LoadOrStore(k, time.FixedZone(name, off)); !loaded {
			zoneCount.Add(1)
		}
	}
	return t.In(z.(*time.Location))
}

func parseDate(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	for _, layout := range zonedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			name, off := t.Zone()
			if strings.HasSuffix(layout, " MST") && (strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-")) {
				// time.Parse takes "+0100" for an unknown abbreviation with
				// offset 0; the -0700 layouts read it right.
				continue
			}
			if off == 0 && strings.HasSuffix(layout, " MST") && name != "UTC" && name != "GMT" {
				// time.Parse gives an unknown abbreviation (CST, EST...) offset 0;
				// such a date is ambiguous, so read it in loc instead.
				return time.ParseInLocation(layout[:len(layout)-4], strings.TrimSpace(s[:len(s)-len(name)]), loc)
			}
			return t, nil
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read date %q: write it in one of these forms (a date without a zone is read in the configured time zone): %s", clip(s, 60), dateForms)
}

// dateForms lists every layout ParseDate reads, for its error message.
// (RFC3339Nano's fraction of a second is optional, so not shown).
var dateForms = strings.ReplaceAll(strings.Join(append(append([]string{}, zonedLayouts...), localLayouts...), "; "), ".999999999", "")
