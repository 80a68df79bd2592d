package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedpub/internal/feedtest"
	"feedpub/internal/longtest"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// pwn is what every hostile payload below tries to run.
const pwn = `document.body.setAttribute('data-pwned','1')`

// hostileHTML are post bodies that try to run script in a reader or on a
// page: none may survive the sanitiser.
var hostileHTML = map[string]string{
	"script":             `<script>` + pwn + `</script>`,
	"script-upper":       `<SCRIPT SRC=https://evil.example/x.js></SCRIPT>`,
	"script-split":       `<scr<script>ipt>` + pwn + `</script>`,
	"onerror":            `<img src=x onerror="` + pwn + `">`,
	"onerror-noquote":    `<img src=x onerror=` + pwn + `>`,
	"onload-body":        `<body onload="` + pwn + `">`,
	"onmouseover":        `<p onmouseover="` + pwn + `">hover</p>`,
	"javascript-link":    `<a href="javascript:` + pwn + `">click</a>`,
	"javascript-case":    `<a href="JaVaScRiPt:` + pwn + `">click</a>`,
	"javascript-tab":     "<a href=\"java\tscript:" + pwn + "\">click</a>",
	"javascript-entity":  `<a href="&#106;avascript:` + pwn + `">click</a>`,
	"javascript-hex":     `<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">click</a>`,
	"javascript-space":   `<a href="  javascript:` + pwn + `">click</a>`,
	"javascript-colon":   `<a href="javascript&colon;` + pwn + `">click</a>`,
	"vbscript":           `<a href="vbscript:msgbox(1)">click</a>`,
	"data-link":          `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`,
	"data-img-svg":       `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
	"iframe":             `<iframe src="https://evil.example/"></iframe>`,
	"iframe-srcdoc":      `<iframe srcdoc="<script>` + pwn + `</script>"></iframe>`,
	"iframe-js":          `<iframe src="javascript:` + pwn + `"></iframe>`,
	"frameset":           `<frameset><frame src="javascript:alert(1)"></frameset>`,
	"svg-script":         `<svg><script>` + pwn + `</script></svg>`,
	"svg-onload":         `<svg onload="` + pwn + `"></svg>`,
	"svg-animate":        `<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>click</text></a></svg>`,
	"svg-use":            `<svg><use href="data:image/svg+xml,&lt;svg id='x' xmlns='http://www.w3.org/2000/svg'&gt;&lt;image href='1' onerror='alert(1)' /&gt;&lt;/svg&gt;#x"></use></svg>`,
	"math":               `<math><mtext><table><mglyph><style><img src=x onerror="` + pwn + `">`,
	"noscript":           `<noscript><p title="</noscript><img src=x onerror=` + pwn + `>">`,
	"object":             `<object data="javascript:alert(1)"></object>`,
	"embed":              `<embed src="https://evil.example/x.swf">`,
	"form":               `<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>`,
	"style-attr":         `<div style="background:url(javascript:alert(1))">x</div>`,
	"style-tag":          `<style>body{background:url("javascript:alert(1)")}</style>`,
	"link":               `<link rel="stylesheet" href="https://evil.example/x.css">`,
	"meta-refresh":       `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	"base":               `<base href="javascript:/">`,
	"srcset":             `<img srcset="javascript:alert(1) 1x, https://ok.example/a.png 2x">`,
	"video-poster":       `<video poster="javascript:alert(1)" src="x"></video>`,
	"template":           `<template><img src=x onerror="` + pwn + `"></template>`,
	"comment-breakout":   `<!--><img src=x onerror="` + pwn + `">-->`,
	"cdata-end":          `]]><script>` + pwn + `</script><![CDATA[`,
	"xml-in-html":        `<?xml-stylesheet href="javascript:alert(1)"?><p>x</p>`,
	"relative-js-source": `<img src="/x" onerror="` + pwn + `">`,
}

// TestPolicyNeverKeepsScript runs each payload through the sanitiser alone
// and through a whole build, and parses every format's content as a
// browser would.
func TestPolicyNeverKeepsScript(t *testing.T) {
	var posts []*loader.Post
	for name, body := range hostileHTML {
		t.Run(name, func(t *testing.T) {
			checkSafeHTML(t, testPolicy.Sanitize(body))
		})
		p := feedtest.Post(name+".html", name, "xss")
		p.Body = `<p>kept <a href="https://ok.example/">ok</a></p>` + body
		posts = append(posts, p)
	}
	site, err := Build(posts, Config{URL: "https://example.com/", Limit: len(posts)}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var rss struct {
		Items []struct {
			Title   string `xml:"title"`
			Content string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(fileAt(t, site, "/rss.xml").Body, &rss); err != nil {
		t.Fatal(err)
	}
	var atom struct {
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(fileAt(t, site, "/atom.xml").Body, &atom); err != nil {
		t.Fatal(err)
	}
	var js struct {
		Items []struct {
			Title   string `json:"title"`
			Content string `json:"content_html"`
		} `json:"items"`
	}
	if err := json.Unmarshal(fileAt(t, site, "/feed.json").Body, &js); err != nil {
		t.Fatal(err)
	}
	if len(rss.Items) != len(posts) || len(atom.Entries) != len(posts) || len(js.Items) != len(posts) {
		t.Fatalf("got %d, %d, %d items, want %d in each format", len(rss.Items), len(atom.Entries), len(js.Items), len(posts))
	}
	check := func(format, title, content string) {
		t.Run(format+"/"+title, func(t *testing.T) {
			checkSafeHTML(t, content)
			if !strings.Contains(content, `kept <a href="https://ok.example/">ok</a>`) {
				t.Errorf("got %q, want the harmless part kept", content)
			}
		})
	}
	for _, it := range rss.Items {
		check("rss", it.Title, it.Content)
	}
	for _, it := range atom.Entries {
		check("atom", it.Title, it.Content)
	}
	for _, it := range js.Items {
		check("json", it.Title, it.Content)
	}
}

// TestPolicyInBrowser loads every payload into headless Chromium, once as
// written (where some must run: the test can fail) and once sanitised
// (where none may).
func TestPolicyInBrowser(t *testing.T) {
	longtest.Mark(t, "starts a browser")
	chromium := validate.Tool(t, "chromium")
	r := &renderer{policy: testPolicy} // as published: sanitizeFast, else bluemonday
	page := func(sanitise bool) string {
		var b strings.Builder
		b.WriteString("<!doctype html><html><head><meta charset=utf-8><title>t</title></head><body>\n")
		for _, body := range hostileHTML {
			if sanitise {
				body = r.sanitize(body)
			}
			b.WriteString("<div>" + body + "</div>\n")
		}
		b.WriteString("</body></html>\n")
		return b.String()
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		sanitise bool
		want     bool // pwned
	}{{"as written", false, true}, {"sanitised", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".html")
			if err := os.WriteFile(file, []byte(page(tc.sanitise)), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000", "--dump-dom", "file://"+file)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			dom, err := cmd.Output()
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, stderr.String())
			}
			if !bytes.Contains(dom, []byte("</body>")) {
				t.Fatalf("chromium gave no page:\n%s\n%s", dom, stderr.String())
			}
			if got := bytes.Contains(dom, []byte(`data-pwned="1"`)); got != tc.want {
				t.Errorf("script ran: got %v, want %v", got, tc.want)
			}
		})
	}
}

// appendContent must give back, through an XML parser, the very text it was
// given, CR and markup included.
func TestEscapeTextRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "a & b < c > d", "<p>x</p>\r\n]]>", "&amp;", "中文\r\r\n\t", strings.Repeat("<&>", 100)} {
		var got struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal([]byte("<x>"+string(appendContent(nil, s))+"</x>"), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got.Text != s {
			t.Errorf("appendContent(%q) reads back as %q", s, got.Text)
		}
	}
}

// testPolicy is the policy every renderer uses.
var testPolicy = newPolicy()
