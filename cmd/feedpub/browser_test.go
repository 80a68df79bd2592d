package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedpub/internal/longtest"

	"golang.org/x/net/html"
)

// chromium finds headless Chromium, or skips the test (fails it when
// FEEDPUB_REQUIRE_TOOLS=1, as CI sets).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("FEEDPUB_REQUIRE_TOOLS") == "1" {
		t.Fatal("chromium not found, and FEEDPUB_REQUIRE_TOOLS=1: install Debian's chromium")
	}
	t.Skip("chromium not found: skipping the browser test (apt-get install chromium to run it)")
	return ""
}

// runChromium runs headless Chromium with args and returns its stdout.
// Every host but 127.0.0.1 fails to resolve: the test talks to loopback
// only, even for the pictures posts link to.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--hide-scrollbars", "--lang=zh-CN"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// domLinks returns the href and src of a, link and img elements, resolved
// against page.
func domLinks(t *testing.T, page string, dom []byte) []string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(page)
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "a" || n.Data == "link" || n.Data == "img") {
			for _, a := range n.Attr {
				if a.Key == "href" || a.Key == "src" {
					if u, err := url.Parse(a.Val); err == nil {
						out = append(out, pu.ResolveReference(u).String())
					}
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

// TestBrowser loads /, a category page and a post page in headless
// Chromium and checks what it rendered: feed titles, item titles, links
// that lead somewhere on the server. It saves a screenshot of / (under
// FEEDPUB_ARTIFACTS when set).
func TestBrowser(t *testing.T) {
	longtest.Mark(t, "starts a browser")
	bin := chromium(t)
	base, srv := startServe(t, "-seeds", "../../seeds", "-config", os.DevNull)
	site := srv.handler.Site()

	index := runChromium(t, bin, "--dump-dom", base)
	for _, f := range site.Feeds() {
		if !bytes.Contains(index, []byte(f.Title)) {
			t.Errorf("/: rendered DOM lacks the feed title %q", f.Title)
		}
	}

	// The category with the most posts.
	feeds := site.Feeds()
	cat := feeds[1]
	for _, f := range feeds[1:] {
		if f.Items > cat.Items {
			cat = f
		}
	}
	catURL := base + "categories/" + url.PathEscape(cat.Slug) + "/"
	catDOM := runChromium(t, bin, "--dump-dom", catURL)
	if !bytes.Contains(catDOM, []byte("<h1>"+cat.Name+"</h1>")) {
		t.Errorf("%s: rendered DOM lacks the heading %q", catURL, cat.Name)
	}
	var post string
	titles := 0
	for _, l := range domLinks(t, catURL, catDOM) {
		if strings.HasPrefix(l, base+"posts/") {
			post = l
			titles++
		}
	}
	// each item links its picture and its title to the post
	if titles < cat.Items {
		t.Errorf("%s: got %d links to posts, want at least %d", catURL, titles, cat.Items)
	}
	if post == "" {
		t.Fatalf("%s: no link to a post", catURL)
	}

	postDOM := runChromium(t, bin, "--dump-dom", post)
	doc, err := html.Parse(bytes.NewReader(postDOM))
	if err != nil {
		t.Fatal(err)
	}
	catDoc, err := html.Parse(bytes.NewReader(catDOM))
	if err != nil {
		t.Fatal(err)
	}
	if h1 := firstText(doc, "h1"); h1 == "" || !strings.Contains(firstText(catDoc, "body"), h1) {
		t.Errorf("%s: got heading %q, want the title of an item of %s", post, h1, catURL)
	}

	// Every link on the three pages that stays on the server answers 200.
	seen := map[string]bool{}
	for page, dom := range map[string][]byte{base: index, catURL: catDOM, post: postDOM} {
		for _, l := range domLinks(t, page, dom) {
			if !strings.HasPrefix(l, base) || seen[l] {
				continue
			}
			seen[l] = true
			resp, err := http.Get(l)
			if err != nil {
				t.Errorf("%s: link %s: %v", page, l, err)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("%s: link %s: got %d, want 200", page, l, resp.StatusCode)
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("got %d links to check, want many more", len(seen))
	}

	dir := os.Getenv("FEEDPUB_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct{ name, size string }{{"index-phone.png", "412,1400"}, {"index-desktop.png", "1280,1000"}} {
		png := filepath.Join(dir, shot.name)
		runChromium(t, bin, "--screenshot="+png, "--window-size="+shot.size, base)
		st, err := os.Stat(png)
		if err != nil || st.Size() < 10_000 {
			t.Errorf("screenshot %s: got %v, want a picture of the page", png, err)
			continue
		}
		t.Logf("screenshot of / saved to %s", png)
	}
}

// firstText is the text of the first element named tag.
func firstText(n *html.Node, tag string) string {
	if n.Type == html.ElementNode && n.Data == tag {
		var b strings.Builder
		var text func(*html.Node)
		text = func(n *html.Node) {
			if n.Type == html.TextNode {
				b.WriteString(n.Data)
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				text(c)
			}
		}
		text(n)
		return b.String()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if s := firstText(c, tag); s != "" {
			return s
		}
	}
	return ""
}
