package feedhttp

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	dto "github.com/prometheus/client_model/go"

	"feedpub/feed"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// chinesePosts are a post written in Simplified Chinese and one in
// Traditional, as the seeds' news posts are.
func chinesePosts() []*loader.Post {
	sh := time.FixedZone("CST", 8*3600)
	d := func(h int) time.Time { return time.Date(2024, 3, 8, h, 0, 0, 0, sh) }
	return []*loader.Post{
		{Path: "news/forum.md", Title: "上海科技论坛开幕", Date: d(9), Updated: d(9), Categories: []string{"科技", "要闻"},
			Author: loader.Author{Name: "证券时报网"},
			Body:   `<p>人工智能<a href="https://例子.cn/简体/">发展</a>迅速，<img src="https://img.example/简体.png" alt="简体">头发。</p>`},
		{Path: "news/tw.md", Title: "臺灣頭髮與乾燥", Date: d(8), Updated: d(8), Categories: []string{"體育"},
			Body: `<p>後來，繁體中文與簡體中文。</p>`},
	}
}

// parsedFeed parses a feed with gofeed and, for RSS and Atom, the strict
// XML decoder and the project's judges.
func parsedFeed(t *testing.T, format, self string, body []byte) *gofeed.Feed {
	t.Helper()
	if _, errs := validate.Check(format, body, validate.Options{SelfURL: self, TTL: 5, Language: "zh-CN"}); len(errs) > 0 {
		t.Errorf("%s: %v", self, errs)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", self, err)
	}
	return f
}

// ?opencc= converts the text of a feed's items, never their ids or links:
// a reader that follows both keeps one item each.
func TestServeChineseFeeds(t *testing.T) {
	site := buildServeSite(t, chinesePosts())
	_, srv := newTestServer(t, site)
	const base = "https://news.example.com"
	for _, tc := range []struct{ path, format string }{{"/rss.xml", "rss"}, {"/atom.xml", "atom"}, {"/feed.json", "json"}} {
		t.Run(tc.format, func(t *testing.T) {
			_, body := get(t, "GET", srv.URL+tc.path)
			plain := parsedFeed(t, tc.format, base+tc.path, body)
			for _, conv := range []struct {
				q, title0, title1, cat string
				words                  []string // in the first item's content
			}{
				{"opencc=s2t", "上海科技論壇開幕", "臺灣頭髮與乾燥", "科技|要聞", []string{"發展</a>迅速", "頭髮。"}},
				{"opencc=t2s", "上海科技论坛开幕", "台湾头发与干燥", "科技|要闻", []string{"发展</a>迅速", "头发。"}},
			} {
				resp, body := get(t, "GET", srv.URL+tc.path+"?"+conv.q)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: got %d %s", conv.q, resp.StatusCode, body)
				}
				f := parsedFeed(t, tc.format, base+tc.path+"?"+conv.q, body)
				if len(f.Items) != len(plain.Items) {
					t.Fatalf("%s: %d items, want %d", conv.q, len(f.Items), len(plain.Items))
				}
				if got := f.Items[0].Title + "|" + f.Items[1].Title; got != conv.title0+"|"+conv.title1 {
					t.Errorf("%s: titles %q, want %q", conv.q, got, conv.title0+"|"+conv.title1)
				}
				if tc.format != "json" { // JSON Feed merges categories with tags
					if got := strings.Join(f.Items[0].Categories, "|"); got != conv.cat {
						t.Errorf("%s: categories %q, want %q", conv.q, got, conv.cat)
					}
				}
				content := f.Items[0].Content
				for _, w := range conv.words {
					if !strings.Contains(content, w) {
						t.Errorf("%s: content %q: want %q in it", conv.q, content, w)
					}
				}
				if got, want := hrefs([]byte(content)), hrefs([]byte(plain.Items[0].Content)); got != want || !strings.Contains(got, "https://") {
					t.Errorf("%s: content links %q, want those of the plain feed, %q", conv.q, got, want)
				}
				for i, it := range f.Items {
					if it.GUID != plain.Items[i].GUID || it.Link != plain.Items[i].Link {
						t.Errorf("%s: item %d: guid %q link %q, want those of the plain feed: %q %q",
							conv.q, i, it.GUID, it.Link, plain.Items[i].GUID, plain.Items[i].Link)
					}
				}
			}
		})
	}
}

func TestServeChineseQuery(t *testing.T) {
	site := buildServeSite(t, chinesePosts())
	h, srv := newTestServer(t, site)
	// Combined with the other parameters, in any order.
	for _, q := range []string{"opencc=s2t&limit=1", "limit=1&opencc=s2t"} {
		resp, body := get(t, "GET", srv.URL+"/rss.xml?"+q)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: got %d %s", q, resp.StatusCode, body)
		}
		items := feedItems(t, body)
		if len(items) != 1 || items[0].Title != "上海科技論壇開幕" {
			t.Errorf("%s: got %d items, first %q; want one, 上海科技論壇開幕", q, len(items), items[0].Title)
		}
	}
	// Filters match the text as written.
	_, body := get(t, "GET", srv.URL+"/rss.xml?opencc=s2t&filter="+url.QueryEscape("论坛"))
	if items := feedItems(t, body); len(items) != 1 || items[0].Title != "上海科技論壇開幕" {
		t.Errorf("filter and opencc: got %d items, want 上海科技論壇開幕", len(items))
	}
	for _, p := range []string{"/rss.xml", "/", "/categories/%E7%A7%91%E6%8A%80/", "/posts/forum/"} {
		for _, q := range []string{"opencc=s2x", "opencc=", "opencc=s2t&opencc=t2s"} {
			resp, body := get(t, "GET", srv.URL+p+"?"+q)
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(string(body), "opencc:") {
				t.Errorf("%s?%s: got %d %q, want 400 and a message about opencc", p, q, resp.StatusCode, body)
			}
		}
	}
	// Asked again, a converted feed or page is kept, not made again.
	hits := func() float64 {
		var m dto.Metric
		if err := h.Metrics.queryHits.WithLabelValues("hit").Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}
	for _, p := range []string{"/atom.xml?opencc=t2s", "/posts/forum/?opencc=s2t"} {
		before := hits()
		_, first := get(t, "GET", srv.URL+p)
		_, again := get(t, "GET", srv.URL+p)
		if !bytes.Equal(first, again) {
			t.Errorf("%s: asked twice, got different bytes", p)
		}
		if got := hits() - before; got != 1 {
			t.Errorf("%s: asked twice, %v cache hits counted; want 1", p, got)
		}
	}
}

// Pages: the text converted, the links, the markup and the language as
// they were.
func TestServeChinesePages(t *testing.T) {
	site := buildServeSite(t, chinesePosts())
	_, srv := newTestServer(t, site)
	for _, tc := range []struct{ path, want string }{
		{"/", "測試站 · 要聞"},
		{"/all/", "上海科技論壇開幕"},
		{"/categories/%E7%A7%91%E6%8A%80/", "上海科技論壇開幕"},
		{"/posts/forum/", "人工智能<a"},
	} {
		_, plain := get(t, "GET", srv.URL+tc.path)
		resp, body := get(t, "GET", srv.URL+tc.path+"?opencc=s2t")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: got %d %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !bytes.Contains(body, []byte(tc.want)) || bytes.Contains(body, []byte("上海科技论坛开幕")) {
			t.Errorf("%s?opencc=s2t: want %q and no 上海科技论坛开幕 in\n%s", tc.path, tc.want, body)
		}
		if got, want := hrefs(body), hrefs(plain); got != want {
			t.Errorf("%s?opencc=s2t: links\n%s\nwant those of the page\n%s", tc.path, got, want)
		}
		if resp.Header.Get("ETag") == "" {
			t.Errorf("%s?opencc=s2t: no ETag", tc.path)
		}
	}
}

// hrefs lists a page's attributes holding links, and its alt texts.
func hrefs(page []byte) string {
	var out []string
	for _, attr := range []string{`href="`, `src="`, `alt="`} {
		for rest := string(page); ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			out = append(out, rest[:strings.IndexByte(rest, '"')])
		}
	}
	return strings.Join(out, "\n")
}

// An archive document converted: its items' titles, not their ids; still
// immutable when full.
func TestServeChineseArchive(t *testing.T) {
	posts := bigPosts(7, 1) // titles "Post N", bodies 新闻 ...
	for i, p := range posts {
		p.Title = "发展新闻 " + p.Title
		posts[i] = p
	}
	site, err := feed.Build(posts, feed.Config{URL: "https://news.example.com/", Limit: 3, Archives: true}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newTestServer(t, site)
	const p = "/archive/1/atom.xml"
	_, body := get(t, "GET", srv.URL+p)
	plain := parsedFeed(t, "atom", "https://news.example.com"+p, body)
	resp, body := get(t, "GET", srv.URL+p+"?opencc=s2t")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("%s?opencc=s2t: %d, Cache-Control %q; want 200, immutable", p, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	f := parsedFeed(t, "atom", "https://news.example.com"+p, body)
	if len(f.Items) != len(plain.Items) || len(f.Items) == 0 {
		t.Fatalf("%s?opencc=s2t: %d items, want %d", p, len(f.Items), len(plain.Items))
	}
	for i, it := range f.Items {
		if !strings.HasPrefix(it.Title, "發展新聞 ") || it.GUID != plain.Items[i].GUID || !strings.Contains(it.Content, "新聞") {
			t.Errorf("item %d: title %q, guid %q; want 發展新聞 and the guid %q", i, it.Title, it.GUID, plain.Items[i].GUID)
		}
	}
}
