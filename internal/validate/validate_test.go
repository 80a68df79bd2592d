package validate

import (
	"strings"
	"testing"
)

// The checks must be able to fail: each broken feed here must draw an
// error that names the broken rule, and the good one none.

const goodRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>T</title><link>https://e.example/</link><description>D</description><language>en</language>
<pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate><lastBuildDate>Mon, 02 Jan 2006 15:04:05 GMT</lastBuildDate><ttl>60</ttl>
<atom:link href="https://e.example/rss.xml" rel="self" type="application/rss+xml"/>
<item><title>A</title><link>https://e.example/a</link><description>x</description>
<content:encoded><![CDATA[<p><a href="https://e.example/b">b</a></p>]]></content:encoded>
<author>a@e.example (Ann)</author><enclosure url="https://e.example/a.png" length="0" type="image/png"/>
<guid isPermaLink="false">urn:uuid:1</guid><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate><category>C</category></item>
</channel></rss>`

const goodAtom = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>T</title><id>https://e.example/atom.xml</id>
<updated>2006-01-02T15:04:05Z</updated><link href="https://e.example/atom.xml" rel="self"/>
<entry><title>A</title><id>urn:uuid:1</id><updated>2006-01-02T15:04:05Z</updated><published>2006-01-02T15:04:05Z</published>
<link href="https://e.example/a" rel="alternate"/><author><name>Ann</name></author><category term="C"/>
<content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry></feed>`

const goodJSON = `{"version":"https://jsonfeed.org/version/1.1","title":"T","home_page_url":"https://e.example/","feed_url":"https://e.example/feed.json","language":"en","authors":[{"name":"E"}],
"items":[{"id":"urn:uuid:1","url":"https://e.example/a","title":"A","content_html":"<p>x</p>","summary":"x","date_published":"2006-01-02T15:04:05Z","date_modified":"2006-01-02T15:04:05Z","authors":[{"name":"Ann"}],"tags":["C"]}]}`

func TestCheck(t *testing.T) {
	opts := map[string]Options{
		"rss":  {SelfURL: "https://e.example/rss.xml", TTL: 60, Language: "en"},
		"atom": {SelfURL: "https://e.example/atom.xml", Language: "en"},
		"json": {SelfURL: "https://e.example/feed.json", Language: "en"},
	}
	good := map[string]string{"rss": goodRSS, "atom": goodAtom, "json": goodJSON}
	tests := []struct {
		name, format, old, new string
		want                   string // in some error; "" for none
	}{
		{"rss good", "rss", "", "", ""},
		{"rss ill-formed", "rss", "<title>A</title>", "<title>A & B</title>", "strict XML"},
		{"rss control char", "rss", "<title>A</title>", "<title>A\x01</title>", "strict XML"},
		{"rss no self", "rss", `rel="self"`, `rel="hub"`, `atom:link rel="self"`},
		{"rss two-digit year", "rss", "<pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate><category>", "<pubDate>Mon, 02 Jan 06 15:04:05 GMT</pubDate><category>", "four-digit year"},
		{"rss permalink guid not a URL", "rss", `isPermaLink="false"`, `isPermaLink="true"`, "permalink"},
		{"rss guid default permalink", "rss", ` isPermaLink="false"`, ``, "permalink"},
		{"rss author name only", "rss", "<author>a@e.example (Ann)</author>", "<author>Ann</author>", "email (name)"},
		{"rss no author", "rss", "<author>a@e.example (Ann)</author>", "", "no author"},
		{"rss enclosure no length", "rss", ` length="0"`, ``, "enclosure"},
		{"rss ttl", "rss", "<ttl>60</ttl>", "<ttl>5</ttl>", "ttl"},
		{"rss skipHours good", "rss", "<ttl>60</ttl>", "<ttl>60</ttl><skipHours><hour>0</hour><hour>23</hour></skipHours><skipDays><day>Sunday</day></skipDays>", ""},
		{"rss skipHours 24", "rss", "<ttl>60</ttl>", "<ttl>60</ttl><skipHours><hour>24</hour></skipHours>", "skipHours"},
		{"rss skipHours twice", "rss", "<ttl>60</ttl>", "<ttl>60</ttl><skipHours><hour>3</hour><hour>3</hour></skipHours>", "skipHours"},
		{"rss skipDays name", "rss", "<ttl>60</ttl>", "<ttl>60</ttl><skipDays><day>sunday</day></skipDays>", "skipDays"},
		{"rss script", "rss", `<p><a`, `<p><script>x()</script><a`, "<script>"},
		{"rss onclick", "rss", `<a href`, `<a onclick="x()" href`, "event handler"},
		{"rss javascript url", "rss", `href="https://e.example/b"`, `href="javascript:x()"`, "scheme"},
		{"rss relative url", "rss", `href="https://e.example/b"`, `href="../b"`, "relative"},
		{"rss raw non-ASCII link", "rss", "<link>https://e.example/a</link>", "<link>https://e.example/金融</link>", "percent-encoded"},
		{"atom good", "atom", "", "", ""},
		{"atom no entry author", "atom", "<author><name>Ann</name></author>", "", "no author"},
		{"atom bad date", "atom", "<published>2006-01-02T15:04:05Z", "<published>2006-01-02 15:04", "RFC 3339"},
		{"atom iframe", "atom", "&lt;p&gt;x", "&lt;iframe src=&#34;https://x.example/&#34;&gt;&lt;/iframe&gt;", "<iframe>"},
		{"atom empty term", "atom", `term="C"`, `term=""`, "term"},
		{"atom space in href", "atom", `href="https://e.example/a"`, `href="https://e.example/a b"`, "percent-encoded"},
		{"json good", "json", "", "", ""},
		{"json no content", "json", `"content_html":"<p>x</p>",`, ``, "content_html"},
		{"json unknown field", "json", `"title":"A",`, `"title":"A","author":{"name":"x"},`, "unknown field"},
		{"json numeric id", "json", `"id":"urn:uuid:1"`, `"id":1`, "json"},
		{"json wrong version", "json", "version/1.1", "version/1", "version"},
		{"json bad date", "json", `"date_published":"2006-01-02T15:04:05Z"`, `"date_published":"2 Jan 2006"`, "RFC 3339"},
		{"json feed_url", "json", `"feed_url":"https://e.example/feed.json"`, `"feed_url":"https://e.example/other.json"`, "feed_url"},
		{"json object tag", "json", `<p>x</p>`, `<object data='x'></object>`, "<object>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := good[tt.format]
			if tt.old != "" {
				if !strings.Contains(doc, tt.old) {
					t.Fatalf("test is broken: %q not in the good %s feed", tt.old, tt.format)
				}
				doc = strings.Replace(doc, tt.old, tt.new, 1)
			}
			_, errs := Check(tt.format, []byte(doc), opts[tt.format])
			var all []string
			for _, err := range errs {
				all = append(all, err.Error())
			}
			joined := strings.Join(all, "\n")
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Errorf("got errors:\n%s\nwant none", joined)
			case tt.want != "" && !strings.Contains(joined, tt.want):
				t.Errorf("got errors:\n%s\nwant one mentioning %q", joined, tt.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	f, errs := Check("rss", []byte(goodRSS), Options{SelfURL: "https://e.example/rss.xml"})
	if f == nil {
		t.Fatal(errs)
	}
	base := WantItem{Path: "a.md", Title: "A", Published: f.Items[0].Published, Categories: []string{"C"}}
	tests := []struct {
		name string
		edit func(w *WantItem)
		want string
	}{
		{"same", func(w *WantItem) {}, ""},
		{"title", func(w *WantItem) { w.Title = "B" }, "title"},
		{"date", func(w *WantItem) { w.Published = w.Published.Add(1e9) }, "published"},
		{"categories", func(w *WantItem) { w.Categories = []string{"C", "D"} }, "categories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := base
			tt.edit(&w)
			errs := Compare(f, &Want{Items: []WantItem{w}})
			if (tt.want == "") != (len(errs) == 0) || (tt.want != "" && !strings.Contains(errs[0].Error(), tt.want)) {
				t.Errorf("got %v, want an error about %q", errs, tt.want)
			}
		})
	}
	if errs := Compare(f, &Want{}); len(errs) == 0 {
		t.Error("got no error for 1 item where 0 are wanted")
	}
}
