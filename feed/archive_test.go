package feed_test

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/validate"
)

var prevArchive = regexp.MustCompile(`href="([^"]+)" rel="prev-archive"`)

// prevOf is where a feed document's prev-archive link (JSON Feed's
// next_url) leads, as a site path, or "".
func prevOf(t *testing.T, base, format string, body []byte) string {
	t.Helper()
	var u string
	if format == "json" {
		var doc struct {
			NextURL string `json:"next_url"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		u = doc.NextURL
	} else if m := prevArchive.FindSubmatch(body); m != nil {
		u = html.UnescapeString(string(m[1]))
	}
	if u == "" {
		return ""
	}
	rest, ok := strings.CutPrefix(u, base)
	if !ok {
		t.Fatalf("prev-archive %q is not on the site %s", u, base)
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		t.Fatal(err)
	}
	return "/" + p
}

// TestArchivesReachEveryPost: from every feed, in every format, following
// prev-archive reaches every post of the feed exactly once; every archive
// passes the checks of its format; a feed whose history fits says so.
func TestArchivesReachEveryPost(t *testing.T) {
	for _, c := range corpora {
		t.Run(c.name, func(t *testing.T) {
			posts := loadPosts(t, c.dir)
			cfg := testConfig(t)
			cfg.Limit, cfg.Archives = 3, true
			site, err := feed.Build(posts, cfg, now)
			if err != nil {
				t.Fatal(err)
			}
			want := validate.Expect(posts, now, 1<<30, feed.Slug)
			archives := 0
			for dir, w := range want {
				var titles []string
				for _, it := range w.Items {
					titles = append(titles, it.Title)
				}
				slices.Sort(titles)
				for format, file := range validate.Formats {
					p := "/" + dir + file
					var got []string
					ids := map[string]bool{}
					for hops := 0; p != ""; hops++ {
						if hops > len(w.Items) {
							t.Fatalf("%s: prev-archive goes round in circles", p)
						}
						body, err := site.Body(p)
						if err != nil {
							t.Fatalf("%s: %v", p, err)
						}
						f, errs := validate.Check(format, body, validate.Options{SelfURL: validate.URL(cfg.URL, p), TTL: 60, Language: "zh-CN"})
						for _, err := range errs {
							t.Errorf("%s: %v", p, err)
						}
						for _, it := range f.Items {
							if ids[it.ID] {
								t.Errorf("%s: %q reached twice", p, it.Title)
							}
							ids[it.ID] = true
							got = append(got, it.Title)
						}
						complete := bytes.Contains(body, []byte("<fh:complete>")) || bytes.Contains(body, []byte("<fh:complete/>"))
						if format != "json" && hops == 0 && complete != (len(w.Items) <= cfg.Limit) {
							t.Errorf("%s: fh:complete %v with %d posts and a limit of %d", p, complete, len(w.Items), cfg.Limit)
						}
						if hops > 0 {
							archives++
						}
						p = prevOf(t, cfg.URL, format, body)
					}
					slices.Sort(got)
					if !slices.Equal(got, titles) {
						t.Errorf("feed %q %s: reached\n %q\nwant every post of it once\n %q", dir, format, got, titles)
					}
				}
			}
			if archives == 0 {
				t.Error("no archive followed: the test proves nothing")
			}
		})
	}
}

// TestArchivesStay: a new post changes no full archive's bytes; archives
// are served as immutable only when full.
func TestArchivesStay(t *testing.T) {
	posts := loadPosts(t, "../seeds")
	cfg := testConfig(t)
	cfg.Limit, cfg.Archives = 2, true
	b, err := feed.NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	site, err := b.Build(posts, now)
	if err != nil {
		t.Fatal(err)
	}
	full := map[string][]byte{}
	for _, p := range site.Paths() {
		if is, isFull := site.Archive(p); is && isFull {
			full[p], _ = site.Body(p)
		}
	}
	if len(full) == 0 {
		t.Fatal("no full archive: the test proves nothing")
	}
	fresh := *posts[0]
	fresh.Path, fresh.Title = "zz-new.md", "A new post"
	fresh.Date = now.Add(-time.Minute)
	fresh.Updated = fresh.Date
	site, err = b.Build(append(slices.Clone(posts), &fresh), now)
	if err != nil {
		t.Fatal(err)
	}
	for p, body := range full {
		if got, err := site.Body(p); err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: a full archive changed when a new post came (%v)", p, err)
		}
	}
}
