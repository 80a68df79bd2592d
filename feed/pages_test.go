package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"feedpub/internal/feedtest"
	"feedpub/loader"
)

var (
	servePosts = feedtest.Posts
	serveNow   = feedtest.Now
)

func buildServeSite(t testing.TB, posts []*loader.Post) *Site {
	t.Helper()
	site, err := Build(posts, Config{Title: "测试站", URL: "https://news.example.com/", TTL: 5 * time.Minute, Location: time.FixedZone("CST", 8*3600)}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// pageLinks returns every href and src in an HTML page outside post
// bodies (what authors link to is theirs; what the pages link to is ours).
func pageLinks(t *testing.T, body []byte) []string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "div" && attr(n, "class") == "body" {
			return
		}
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "href" || a.Key == "src" {
					out = append(out, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// sitePath resolves a link found on the page at path from against the
// site's URL and returns the site path it names, or ok false when it
// leaves the site.
func sitePath(base, from, link string) (string, bool) {
	b, _ := url.Parse(base)
	page := b.ResolveReference(&url.URL{Path: strings.TrimPrefix(from, "/")})
	u, err := url.Parse(link)
	if err != nil {
		return "", false
	}
	abs := page.ResolveReference(u)
	if abs.Host != b.Host || !strings.HasPrefix(abs.Path, b.Path) {
		return "", false
	}
	return "/" + strings.TrimPrefix(abs.Path, b.Path), true
}

func TestPagesEveryLinkResolves(t *testing.T) {
	site := buildServeSite(t, servePosts())
	pages := 0
	for _, p := range site.Paths() {
		f := fileAt(t, site, p)
		if !strings.HasPrefix(f.Type, "text/html") {
			continue
		}
		pages++
		for _, link := range pageLinks(t, f.Body) {
			target, inside := sitePath(site.r.URL, p, link)
			if !inside {
				if !strings.HasPrefix(link, "http") {
					t.Errorf("%s: link %q leaves the site without being absolute", p, link)
				}
				continue
			}
			if fileAt(t, site, target) == nil {
				t.Errorf("%s: link %q: got no file at %s, want one", p, link, target)
			}
		}
	}
	// index, all posts, the indexes of categories, tags and authors, 4
	// categories (金融 要闻 technology 体育), 2 authors, 3 due posts
	if want := 1 + 1 + 3 + 4 + 2 + 3; pages != want {
		t.Errorf("got %d pages, want %d", pages, want)
	}
	for _, p := range []string{"/index.html", "/feeds.opml", "/style.css", "/categories/金融/index.html", "/posts/bank/index.html"} {
		p = strings.TrimSuffix(p, "index.html")
		if !site.Has(p) {
			t.Errorf("%s: the site has no file there", p)
		}
	}
}

// Every item's link in every feed leads to a page of the site or to the
// post's own link: a reader who clicks never lands on a 404.
func TestItemLinksHavePages(t *testing.T) {
	site := buildServeSite(t, servePosts())
	for _, fi := range site.Feeds() {
		p := "/" + fi.Dir + "rss.xml"
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(fileAt(t, site, p).Body))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, it := range feed.Items {
			target, inside := sitePath(site.r.URL, "/", it.Link)
			if !inside {
				if it.Link != "https://elsewhere.example/rust" {
					t.Errorf("%s: item %q: link %q leaves the site", p, it.Title, it.Link)
				}
				continue
			}
			if f := fileAt(t, site, target); f == nil || !strings.HasPrefix(f.Type, "text/html") {
				t.Errorf("%s: item %q: link %q: got no page, want one", p, it.Title, it.Link)
			}
		}
	}
	if fileAt(t, site, "/posts/rust/") == nil {
		t.Errorf("a post with a link of its own: got no page, want one")
	}
}

func TestIndexAutodiscovery(t *testing.T) {
	site := buildServeSite(t, servePosts())
	doc, err := html.Parse(bytes.NewReader(fileAt(t, site, "/").Body))
	if err != nil {
		t.Fatal(err)
	}
	type alt struct{ typ, href string }
	var alts []alt
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode && n.Data == "link" && attr(n, "rel") == "alternate" {
			if !inHead {
				t.Errorf("alternate link outside <head>")
			}
			alts = append(alts, alt{attr(n, "type"), attr(n, "href")})
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead || (n.Type == html.ElementNode && n.Data == "head"))
		}
	}
	walk(doc, false)
	feeds := site.Feeds()
	if got, want := len(alts), len(feeds)*len(formatList); got != want {
		t.Fatalf("got %d alternate links, want %d", got, want)
	}
	for _, a := range alts {
		target, _ := sitePath(site.r.URL, "/", a.href)
		f := fileAt(t, site, target)
		if f == nil {
			t.Errorf("alternate %s: got no file, want a feed", a.href)
			continue
		}
		if mt, _, _ := strings.Cut(f.Type, ";"); mt != a.typ {
			t.Errorf("alternate %s: got type %q, want %q", a.href, a.typ, mt)
		}
	}
	text := string(fileAt(t, site, "/").Body)
	for _, fi := range feeds {
		if !strings.Contains(text, fi.Title) {
			t.Errorf("index: feed title %q missing", fi.Title)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestOPML(t *testing.T) {
	site := buildServeSite(t, servePosts())
	f := fileAt(t, site, "/feeds.opml")
	if f == nil || f.Type != "text/x-opml; charset=utf-8" {
		t.Fatalf("got %+v, want an OPML file", f)
	}
	strictXML(t, "/feeds.opml", f.Body)
	var doc struct {
		Version string `xml:"version,attr"`
		Title   string `xml:"head>title"`
		Folders []struct {
			Text  string `xml:"text,attr"`
			Feeds []struct {
				Text, Type, XMLURL, HTMLURL string `xml:",attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	// encoding/xml matches attribute names case-sensitively: read them
	// by their OPML names.
	body := bytes.ReplaceAll(bytes.ReplaceAll(f.Body, []byte("xmlUrl="), []byte("XMLURL=")), []byte("htmlUrl="), []byte("HTMLURL="))
	body = bytes.ReplaceAll(bytes.ReplaceAll(body, []byte(" text="), []byte(" Text=")), []byte(" type="), []byte(" Type="))
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.0" || len(doc.Folders) != 1 {
		t.Fatalf("got version %q and %d folders, want 2.0 and 1", doc.Version, len(doc.Folders))
	}
	feeds := site.Feeds()
	if got, want := len(doc.Folders[0].Feeds), len(feeds); got != want {
		t.Fatalf("got %d outlines, want %d", got, want)
	}
	for i, o := range doc.Folders[0].Feeds {
		if o.Type != "rss" || o.Text != feeds[i].Title {
			t.Errorf("outline %d: got type %q text %q, want rss %q", i, o.Type, o.Text, feeds[i].Title)
		}
		for _, u := range []string{o.XMLURL, o.HTMLURL} {
			p, inside := sitePath(site.r.URL, "/", u)
			if !inside || fileAt(t, site, p) == nil {
				t.Errorf("outline %d: %s: got no file of the site, want one", i, u)
			}
		}
	}
}

func TestPostPage(t *testing.T) {
	site := buildServeSite(t, servePosts())
	f := fileAt(t, site, "/posts/bank/")
	if f == nil {
		t.Fatal("no page for finance/bank.md")
	}
	body := string(f.Body)
	for _, want := range []string{
		"<title>银行推出绿色信贷 · 测试站</title>",
		"<h1>银行推出绿色信贷</h1>",
		"江南财经",
		`href="../../categories/%E9%87%91%E8%9E%8D/"`,
		`href="../../categories/%E9%87%91%E8%9E%8D/rss.xml"`,
		`src="https://img.example/bank.png"`,
		"<strong>50亿元</strong>",
		`<time datetime="2024-03-01T09:30:00&#43;08:00">2024年3月1日 09:30</time>`,
		`<link rel="stylesheet" href="../../style.css">`,
		`<html lang="zh-CN">`,
		// the oldest post: a link to the next in time, none to a previous
		`<a href="../../posts/rust/" rel="next" class="newer"><span class="label">下一篇</span> Rust in the kernel</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("post page: %q missing", want)
		}
	}
	for _, bad := range []string{"<script", "onerror", "alert(", `rel="prev"`} {
		if strings.Contains(body, bad) {
			t.Errorf("post page: got %q, want it sanitised away", bad)
		}
	}
	// The page changed last when its newer neighbour came (rust's update).
	if f.Modified != time.Date(2024, 3, 3, 1, 30, 0, 0, time.UTC) {
		t.Errorf("Last-Modified: got %v, want the newer neighbour's update", f.Modified)
	}
	rust := string(fileAt(t, site, "/posts/rust/").Body)
	if !strings.Contains(rust, `href="https://elsewhere.example/rust"`) || !strings.Contains(rust, `href="https://ann.example/" rel="author"`) {
		t.Errorf("post with its own link: got no link to it or its author:\n%s", rust)
	}
	for _, want := range []string{`<a href="../../posts/bank/" rel="prev" class="older"><span class="label">上一篇</span> 银行推出绿色信贷</a>`,
		`<a href="../../posts/sports/" rel="next" class="newer"><span class="label">下一篇</span> 马拉松报名开启</a>`} {
		if !strings.Contains(rust, want) {
			t.Errorf("the middle post's page lacks %q", want)
		}
	}
}

func TestChannelPage(t *testing.T) {
	site := buildServeSite(t, servePosts())
	tests := []struct {
		path      string
		want      []string
		dontWant  []string
		alternate string
	}{
		{"/all/", []string{"银行推出绿色信贷", "Rust in the kernel", "马拉松报名开启", "3 篇文章"}, []string{"Draft", "Future"}, `href="../rss.xml"`},
		{"/categories/要闻/", []string{"银行推出绿色信贷", "马拉松报名开启", "2 篇文章", `href="../../posts/bank/"`, "首期规模50亿元", `src="https://img.example/bank.png"`}, []string{"Rust in the kernel"}, `href="../../categories/%E8%A6%81%E9%97%BB/atom.xml"`},
		{"/categories/technology/", []string{"Rust in the kernel", "1 篇文章"}, []string{"马拉松"}, `href="../../categories/technology/feed.json"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			f := fileAt(t, site, tc.path)
			if f == nil {
				t.Fatalf("got no page at %s", tc.path)
			}
			body := string(f.Body)
			for _, w := range append(tc.want, tc.alternate) {
				if !strings.Contains(body, w) {
					t.Errorf("got no %q, want it", w)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(body, w) {
					t.Errorf("got %q, want it left out", w)
				}
			}
		})
	}
	// 体育's page has a picture-less item: no empty img.
	if strings.Contains(string(fileAt(t, site, "/categories/体育/").Body), `src=""`) {
		t.Errorf("got an empty src")
	}
}

// A rebuild with the same posts gives byte-identical pages and keeps the
// post pages already made.
func TestPagesDeterministicAndReused(t *testing.T) {
	posts := servePosts()
	b, err := NewBuilder(Config{Title: "测试站", URL: "https://news.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	s1, err := b.Build(posts, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b.Build(posts, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Build(posts, Config{Title: "测试站", URL: "https://news.example.com/"}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s1.Paths() {
		if fileAt(t, s1, p) != fileAt(t, s2, p) {
			t.Errorf("%s: got a new File on an unchanged rebuild, want the old one kept", p)
		}
		if o := fileAt(t, other, p); o == nil || !bytes.Equal(o.Body, fileAt(t, s1, p).Body) {
			t.Errorf("%s: another builder gave other bytes", p)
		}
	}
	// A changed post changes its page and the pages listing it, nothing else.
	posts2 := servePosts()
	posts2[1] = &loader.Post{}
	*posts2[1] = *posts[1]
	posts2[1].Title = "Rust in the kernel, again"
	posts2[0], posts2[2] = posts[0], posts[2]
	s3, err := b.Build(posts2, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path    string
		changed bool
	}{{"/posts/rust/", true}, {"/categories/technology/", true}, {"/all/", true},
		{"/posts/bank/", true}, {"/posts/sports/", true}, // they link to it by its title
		{"/categories/体育/", false}, {"/categories/金融/", false}, {"/style.css", false}} {
		if got := fileAt(t, s3, tc.path) != fileAt(t, s1, tc.path); got != tc.changed {
			t.Errorf("%s: got changed %v, want %v", tc.path, got, tc.changed)
		}
	}
}

func TestRootOf(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/", ""}, {"/all/", "../"}, {"/categories/金融/", "../../"}, {"/posts/a/", "../../"},
	} {
		if got := rootOf(tc.path); got != tc.want {
			t.Errorf("rootOf(%q): got %q, want %q", tc.path, got, tc.want)
		}
	}
	if got, want := rel("../../", "/categories/金融/"), "../../categories/%E9%87%91%E8%9E%8D/"; got != want {
		t.Errorf("rel: got %q, want %q", got, want)
	}
	if got := rel("", "/"); got != "./" {
		t.Errorf("rel to the root from the root: got %q, want ./", got)
	}
	// Each segment as url.PathEscape writes it, on random paths of the
	// characters it leaves and of some it escapes.
	rnd := rand.New(rand.NewPCG(11, 12))
	chars := []string{"a", "Z", "0", "-", "_", ".", "~", "/", "$", "&", "+", ":", "=", "@", ";", ",", "?", "#", "%", " ", "金", "\x7f"}
	for range 20000 {
		var b strings.Builder
		for range rnd.IntN(10) {
			b.WriteString(chars[rnd.IntN(len(chars))])
		}
		p := b.String()
		segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		if want := "../" + strings.Join(segs, "/"); strings.TrimPrefix(p, "/") != "" && rel("../", p) != want {
			t.Fatalf("rel(../, %q) = %q, want %q", p, rel("../", p), want)
		}
		c := Config{URL: "https://example.com/"}
		if want := c.URL + strings.Join(segs, "/"); c.abs(p) != want {
			t.Fatalf("abs(%q) = %q, want %q", p, c.abs(p), want)
		}
	}
}

func ExampleSite_Feeds() {
	site, _ := Build(servePosts(), Config{URL: "https://news.example.com/"}, serveNow)
	for _, f := range site.Feeds() {
		fmt.Println(f.Title, f.Items)
	}
	// Output:
	// feedpub 3
	// feedpub · Technology 1
	// feedpub · 体育 1
	// feedpub · 要闻 2
	// feedpub · 金融 1
	// feedpub · Ann 1
	// feedpub · 江南财经 1
}

// newsboat, a real reader, imports the OPML file: one subscription per
// feed, each under the site's folder.
func TestOPMLNewsboat(t *testing.T) {
	bin, err := exec.LookPath("newsboat")
	if err != nil {
		if os.Getenv("FEEDPUB_REQUIRE_TOOLS") == "1" {
			t.Fatal("newsboat not found, and FEEDPUB_REQUIRE_TOOLS=1: install Debian's newsboat")
		}
		t.Skip("newsboat not found: skipping the OPML import test")
	}
	site := buildServeSite(t, servePosts())
	dir := t.TempDir()
	opml := filepath.Join(dir, "feeds.opml")
	if err := os.WriteFile(opml, fileAt(t, site, "/feeds.opml").Body, 0o644); err != nil {
		t.Fatal(err)
	}
	urls := filepath.Join(dir, "urls")
	cmd := exec.Command(bin, "-u", urls, "-c", filepath.Join(dir, "cache.db"), "-i", opml)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("newsboat -i: %v\n%s", err, out)
	}
	got, err := os.ReadFile(urls)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	feeds := site.Feeds()
	if len(lines) != len(feeds) {
		t.Fatalf("newsboat imported %d feeds, want %d:\n%s", len(lines), len(feeds), got)
	}
	for i, fi := range feeds {
		want := site.r.feedURL(site.channels[i], &formatList[0]) + ` "测试站"`
		if lines[i] != want {
			t.Errorf("feed %s: got %q, want %q", fi.Title, lines[i], want)
		}
	}
}
