package feed_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"feedpub/feed"
	"feedpub/internal/gen"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// longPosts writes n posts of about size bytes each and reads them.
func longPosts(t *testing.T, n, size int) []*loader.Post {
	t.Helper()
	dir := t.TempDir()
	if err := gen.Write(context.Background(), dir, n, gen.Options{Cats: 5, Size: size, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return loadPosts(t, dir)
}

// itemsOf counts the items of a feed and those that carry their whole
// content, from the bytes, in each format's own terms.
func itemsOf(format string, body []byte) (items, whole int) {
	switch format {
	case "rss":
		return bytes.Count(body, []byte("<item>")), bytes.Count(body, []byte("<content:encoded>"))
	case "atom":
		return bytes.Count(body, []byte("<entry")), bytes.Count(body, []byte(`<content type="html">`))
	}
	return bytes.Count(body, []byte(`"id":"urn:`)), bytes.Count(body, []byte(`"content_html":`))
}

var heldNote = regexp.MustCompile(`The feed holds the newest (\d+) of (\d+) posts\.(?: The oldest (\d+) of them as summaries only\.)?`)

// TestFeedBudget: on a folder of very long posts no feed exceeds
// max_feed_bytes; the oldest items lose their content before any is left
// out; each feed that was cut says how many items it holds, and how many
// as summaries; and every feed still passes the checks of its format.
func TestFeedBudget(t *testing.T) {
	posts := longPosts(t, 40, 48<<10)
	for _, budget := range []int{200 << 10, 40 << 10, 4 << 10} {
		t.Run(strconv.Itoa(budget), func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Limit, cfg.Language, cfg.MaxFeedBytes = 30, "en", budget
			for _, build := range []func([]*loader.Post, feed.Config) (*feed.Site, error){
				func(p []*loader.Post, c feed.Config) (*feed.Site, error) { return feed.Build(p, c, now) },
				func(p []*loader.Post, c feed.Config) (*feed.Site, error) { return feed.BuildLean(p, c, now) },
			} {
				site, err := build(posts, cfg)
				if err != nil {
					t.Fatal(err)
				}
				checkBudget(t, site, cfg)
			}
		})
	}
}

func checkBudget(t *testing.T, site *feed.Site, cfg feed.Config) {
	t.Helper()
	cut := 0
	for _, p := range site.Paths() {
		format := validate.FormatOf(p)
		if format == "" {
			continue
		}
		info, _ := site.FeedAt(p)
		body, err := site.Body(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) > cfg.MaxFeedBytes {
			t.Errorf("%s: %d bytes, over the budget of %d", p, len(body), cfg.MaxFeedBytes)
		}
		_, errs := validate.Check(format, body, validate.Options{SelfURL: validate.URL(cfg.URL, p), TTL: 60, Language: "en"})
		for _, err := range errs {
			t.Errorf("%s: %v", p, err)
		}
		n, whole := itemsOf(format, body)
		want := min(info.Items, cfg.Limit)
		m := heldNote.FindSubmatch(body)
		if n == want && whole == n {
			if m != nil {
				t.Errorf("%s: all %d items whole, yet the feed says %q", p, n, m[0])
			}
			continue
		}
		cut++
		if whole > 0 && n < want {
			t.Errorf("%s: %d of %d items left out while %d still carry their content", p, want-n, want, whole)
		}
		if m == nil {
			t.Errorf("%s: %d of %d items, %d whole, and no word of it", p, n, want, whole)
			continue
		}
		held, _ := strconv.Atoi(string(m[1]))
		total, _ := strconv.Atoi(string(m[2]))
		brief, _ := strconv.Atoi(string(m[3]))
		if held != n || total != info.Items || brief != n-whole {
			t.Errorf("%s: says %q; holds %d of %d, %d as summaries", p, m[0], n, info.Items, n-whole)
		}
	}
	if cut == 0 {
		t.Errorf("no feed over a budget of %d: the test proves nothing", cfg.MaxFeedBytes)
	}
}

// content: summary writes no item's content, in any format, and the feeds
// are valid.
func TestContentSummary(t *testing.T) {
	posts := loadPosts(t, "../seeds")
	cfg := testConfig(t)
	cfg.Content = feed.ContentSummary
	site, err := feed.Build(posts, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for p, format := range feedFiles(site) {
		files[p] = made(t, site, p).Body
		if n, whole := itemsOf(format, files[p]); n == 0 || whole != 0 {
			t.Errorf("%s: %d items, %d with their content; want summaries alone", p, n, whole)
		}
	}
	validate.Site(t, files, validate.Expect(posts, now, cfg.Limit, feed.Slug), cfg.URL, validate.Options{TTL: 60, Language: "zh-CN"})
}

// TestFeedBudgetEdge: with a budget of exactly a feed's size, and one byte
// less, a lean Site (whose feeds are written straight into their bodies)
// gives each feed byte for byte as a held one does: whole at the size,
// cut one byte under it.
func TestFeedBudgetEdge(t *testing.T) {
	posts := longPosts(t, 12, 6<<10)
	cfg := testConfig(t)
	cfg.Limit, cfg.Language = 10, "en"
	whole, err := feed.Build(posts, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/rss.xml", "/atom.xml", "/feed.json"} {
		body, err := whole.Body(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, budget := range []int{len(body), len(body) - 1} {
			cfg.MaxFeedBytes = budget
			held, err := feed.Build(posts, cfg, now)
			if err != nil {
				t.Fatal(err)
			}
			lean, err := feed.BuildLean(posts, cfg, now)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := held.Body(p)
			got, err := lean.Body(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, budget %d: the lean feed (%d bytes) is not the held one (%d bytes)", p, budget, len(got), len(want))
			}
			if cut := !bytes.Equal(want, body); cut != (budget < len(body)) {
				t.Errorf("%s, budget %d of a %d-byte feed: cut %v", p, budget, len(body), cut)
			}
		}
	}
}
