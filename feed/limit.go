package feed

import (
	"fmt"
	"strconv"
)

// MaxLimit is the most items a feed may hold, by configuration or by a
// request's ?limit=.
const MaxLimit = 10000

// ParseLimit reads a number of items per feed: the one rule for the
// -limit flag, the limit key and the ?limit= query parameter. Out of range
// is an error, 0 included: it never means the default.
func ParseLimit(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, fmt.Errorf("limit: want a whole number from 1 to %d, got %q", MaxLimit, clip(s, 200))
	}
	return n, nil
}

// clip shortens s to at most n bytes, for an error message.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
