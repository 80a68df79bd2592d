package feed_test

import (
	"encoding/json"
	"encoding/xml"
	"testing"

	"feedpub/feed"
	"feedpub/internal/validate"
)

// With a WebSub hub, every feed names it (and itself) and still passes
// every check.
func TestFeedsNameHub(t *testing.T) {
	const hub = "https://hub.example.net/?a=1&b=2"
	posts := loadPosts(t, "../seeds")
	cfg := testConfig(t)
	cfg.Hub = hub
	site, err := feed.Build(posts, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for p, format := range feedFiles(site) {
		body := made(t, site, p).Body
		files[p] = body
		var hubs, selves []string
		switch format {
		case "json":
			var doc struct {
				FeedURL string `json:"feed_url"`
				Hubs    []struct{ Type, URL string }
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			for _, h := range doc.Hubs {
				if h.Type == "WebSub" {
					hubs = append(hubs, h.URL)
				}
			}
			selves = []string{doc.FeedURL}
		default:
			var doc struct {
				Links []struct {
					Href string `xml:"href,attr"`
					Rel  string `xml:"rel,attr"`
				} `xml:"http://www.w3.org/2005/Atom link"`
				Channel struct {
					Links []struct {
						Href string `xml:"href,attr"`
						Rel  string `xml:"rel,attr"`
					} `xml:"http://www.w3.org/2005/Atom link"`
				} `xml:"channel"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			for _, l := range append(doc.Links, doc.Channel.Links...) {
				switch l.Rel {
				case "hub":
					hubs = append(hubs, l.Href)
				case "self":
					selves = append(selves, l.Href)
				}
			}
		}
		if len(hubs) != 1 || hubs[0] != hub || len(selves) != 1 || selves[0] != validate.URL(cfg.URL, p) {
			t.Errorf("%s: hubs %q, self %q; want %s and the feed's own URL", p, hubs, selves, hub)
		}
	}
	validate.Site(t, files, validate.Expect(posts, now, cfg.Limit, feed.Slug), cfg.URL, validate.Options{TTL: 60, Language: "zh-CN"})
}
