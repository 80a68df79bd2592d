package feed

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed/rss"

	"feedpub/internal/gen"
	"feedpub/internal/validate"
	"feedpub/loader"
)

var shanghai = time.FixedZone("CST", 8*3600)

// marketPosts are weeks of market news in Shanghai, weekdays 09:00 to
// 18:00.
func marketPosts(weeks int) []*loader.Post { return gen.Weekdays(weeks, shanghai) }

var hintsOn = PollHints{Min: 5 * time.Minute, Max: 6 * time.Hour}

// rssChannelOf parses an RSS feed: strictly, by the project's judges
// (with the ttl wanted) and by gofeed's RSS parser, which reads skipHours
// and skipDays.
func rssChannelOf(t *testing.T, body []byte, self string, ttl int) *rss.Feed {
	t.Helper()
	if _, errs := validate.Check("rss", body, validate.Options{SelfURL: self, TTL: ttl, Language: "zh-CN"}); len(errs) > 0 {
		t.Errorf("%s: %v", self, errs)
	}
	f, err := (&rss.Parser{}).Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", self, err)
	}
	return f
}

// Weekday-daytime posts in Shanghai: a ttl of their usual gap, and, in
// GMT, the nights and the weekend skipped.
func TestPollHintsMarketNews(t *testing.T) {
	cfg := Config{URL: "https://news.example.com/", Location: shanghai, PollHints: hintsOn, Limit: 50}
	site, err := Build(marketPosts(8), cfg, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/rss.xml", "/categories/市场/rss.xml"} {
		body := fileAt(t, site, p).Body
		f := rssChannelOf(t, body, validate.URL(cfg.URL, p), 90)
		// Posts from 09:00 to 18:59 in Shanghai: quiet from 19:00 to
		// 08:59, 11:00 to 00:59 GMT.
		wantHours := []string{"0", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23"}
		if !slices.Equal(f.SkipHours, wantHours) {
			t.Errorf("%s: skipHours %q, want %q", p, f.SkipHours, wantHours)
		}
		// GMT Saturday and Sunday are Saturday 08:00 to Monday 08:00 in
		// Shanghai; GMT Friday holds Friday's posts.
		if want := []string{"Saturday", "Sunday"}; !slices.Equal(f.SkipDays, want) {
			t.Errorf("%s: skipDays %q, want %q", p, f.SkipDays, want)
		}
		h, ok := site.PollHint(p)
		if !ok || h.TTL != 90*time.Minute {
			t.Errorf("%s: PollHint %+v %v, want a ttl of 90m", p, h, ok)
		}
	}
	if _, ok := site.PollHint("/"); ok {
		t.Errorf("the index page has a poll hint; want none but for feeds")
	}
}

// Too little history gives no hint: the configured ttl and no skips.
func TestPollHintsTooFewPosts(t *testing.T) {
	cfg := Config{URL: "https://news.example.com/", Location: shanghai, PollHints: hintsOn, TTL: 5 * time.Minute}
	posts := marketPosts(8)[:pollMinPosts-1]
	site, err := Build(posts, cfg, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	f := rssChannelOf(t, fileAt(t, site, "/rss.xml").Body, validate.URL(cfg.URL, "/rss.xml"), 5)
	if f.SkipHours != nil || f.SkipDays != nil {
		t.Errorf("%d posts: skipHours %q, skipDays %q; want none", len(posts), f.SkipHours, f.SkipDays)
	}
	if _, ok := site.PollHint("/rss.xml"); ok {
		t.Errorf("%d posts: a poll hint; want none", len(posts))
	}
	// Enough posts, but two days of them: a ttl, no quiet days or hours.
	posts = marketPosts(8)[:2*7]
	posts = append(posts, marketPosts(8)[:pollMinPosts]...)
	for i, p := range posts {
		c := *p
		c.Path = fmt.Sprintf("%d.md", i)
		c.Date = c.Date.Add(time.Duration(i) * time.Second)
		posts[i] = &c
	}
	site, err = Build(posts, cfg, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := site.PollHint("/rss.xml"); !ok || h.SkipHours != 0 || h.SkipDays != 0 {
		t.Errorf("two days of posts: hint %+v %v, want a ttl and no skips", h, ok)
	}
}

// Off, the default: no skips, the configured ttl, and no hint.
func TestPollHintsOff(t *testing.T) {
	cfg := Config{URL: "https://news.example.com/", Location: shanghai, TTL: 7 * time.Minute}
	site, err := Build(marketPosts(8), cfg, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	body := fileAt(t, site, "/rss.xml").Body
	f := rssChannelOf(t, body, validate.URL(cfg.URL, "/rss.xml"), 7)
	if f.SkipHours != nil || f.SkipDays != nil || bytes.Contains(body, []byte("skip")) {
		t.Errorf("off: skipHours %q, skipDays %q; want none", f.SkipHours, f.SkipDays)
	}
	if _, ok := site.PollHint("/rss.xml"); ok {
		t.Errorf("off: a poll hint")
	}
}

func TestPollHintsConfig(t *testing.T) {
	for _, h := range []PollHints{{Min: time.Second, Max: time.Hour}, {Min: time.Hour, Max: time.Minute}, {Min: 5 * time.Minute}} {
		if _, err := (Config{PollHints: h}).WithDefaults(); err == nil || !strings.HasPrefix(err.Error(), "poll_hints:") {
			t.Errorf("%+v: got %v, want an error about poll_hints", h, err)
		}
	}
}

// Cache-Control's max-age: the ttl, or in a quiet time until it ends,
// within the bounds.
func TestPollHintMaxAge(t *testing.T) {
	h := PollHint{TTL: 90 * time.Minute, Max: 72 * time.Hour, SkipHours: 1<<0 | 0x7FF<<13 | 0x3<<11, SkipDays: 1<<time.Saturday | 1<<time.Sunday}
	gmt := func(day, hour, minute int) time.Time { return time.Date(2024, 3, day, hour, minute, 0, 0, time.UTC) } // 2024-03-04 is a Monday
	tests := []struct {
		now  time.Time
		want time.Duration
	}{
		{gmt(6, 3, 0), 90 * time.Minute},               // Wednesday, 11:00 in Shanghai
		{gmt(6, 22, 30), 2*time.Hour + 30*time.Minute}, // Wednesday night: until 01:00
		{gmt(6, 0, 59), 90 * time.Minute},              // a minute left: the ttl
		{gmt(9, 12, 0), 37 * time.Hour},                // Saturday noon: until Monday 01:00
		{gmt(9, 12, 0).In(shanghai), 37 * time.Hour},   // the same instant
		{gmt(10, 23, 0), 2 * time.Hour},                // Sunday night
	}
	for _, tc := range tests {
		if got := h.MaxAge(tc.now); got != tc.want {
			t.Errorf("MaxAge(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
	h.Max = 6 * time.Hour
	if got := h.MaxAge(gmt(9, 12, 0)); got != 6*time.Hour {
		t.Errorf("bounded: MaxAge = %v, want 6h", got)
	}
}

// A Builder's rebuild that changes a feed's history beyond its newest
// Limit (old posts removed) gives the hint, and bytes, of a fresh Build.
func TestPollHintsRebuild(t *testing.T) {
	cfg := Config{URL: "https://news.example.com/", Location: shanghai, PollHints: hintsOn, Limit: 20}
	now := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	posts := marketPosts(8)
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	before, err := b.Build(posts, now)
	if err != nil {
		t.Fatal(err)
	}
	posts = posts[:25] // the newest 20 unchanged; a week of history left
	after, err := b.Build(posts, now)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Build(posts, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := before.PollHint("/rss.xml")
	ha, _ := after.PollHint("/rss.xml")
	if hb == ha {
		t.Fatalf("the hint stayed %+v; the test wants one that changes", ha)
	}
	for _, p := range []string{"/rss.xml", "/categories/市场/rss.xml"} {
		if !bytes.Equal(fileAt(t, after, p).Body, fileAt(t, fresh, p).Body) {
			t.Errorf("%s: rebuilt, the bytes differ from a fresh build's", p)
		}
		if after.Key(p) == before.Key(p) {
			t.Errorf("%s: the key stayed the same when the hint changed", p)
		}
	}
}

// BenchmarkPollHint prints what learning a feed's hint from a full
// history (pollPosts posts) costs: each RSS encoding of the feed pays it.
func BenchmarkPollHint(b *testing.B) {
	cfg := Config{URL: "https://news.example.com/", Location: shanghai, PollHints: hintsOn}
	cfg, _ = cfg.WithDefaults()
	posts := marketPosts(20)
	ch := &channel{}
	for _, p := range posts[:pollPosts] {
		ch.items = append(ch.items, &item{post: p})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := cfg.pollHint(ch); !ok {
			b.Fatal("no hint")
		}
	}
}
