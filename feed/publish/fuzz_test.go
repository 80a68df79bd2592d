package publish

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// Fuzz target: go test -fuzz=FuzzBuild ./feed/publish/. Crashers land in
// testdata/fuzz/FuzzBuild/ and are replayed by every go test run.

var fuzzNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// FuzzBuild builds a site of one fuzzed post beside a plain one: every feed
// must parse back, every path be one WriteDir writes inside its folder,
// and no script survive in a feed.
func FuzzBuild(f *testing.F) {
	for _, b := range []string{"<p>x</p>", `<script>alert(1)</script>`, `<img src=x onerror=alert(1)>`, `<a href="javascript:alert(1)">x</a>`,
		`<iframe src="https://evil.example/"></iframe>`, "]]>", "<![CDATA[x]]>", `<a href="../x">rel</a>`} {
		f.Add("title", "cat", b, "")
	}
	feedtest.SeedNames(f, "../../seeds", func(s string) { f.Add(s, s, "<p>"+s+"</p>", s) })
	f.Fuzz(func(t *testing.T, title, cat, body, link string) {
		p := testPost("fuzz.md", loader.StripInvalidXML(title), loader.StripInvalidXML(cat))
		p.Body = loader.StripInvalidXML(body)
		p.Link = loader.StripInvalidXML(link)
		p.Summary = p.Title
		if p.Title == "" {
			p.Title = "x"
		}
		site, err := feed.Build([]*loader.Post{p, testPost("plain.md", "plain", "plain")}, feed.Config{URL: "https://example.com/blog/"}, fuzzNow)
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		for _, path := range site.Paths() {
			body := bodyAt(t, site, path)
			if _, err := fileName(path); err != nil {
				t.Fatal(err)
			}
			checkFeed(t, path, body)
			isFeed := strings.HasSuffix(path, ".xml") || strings.HasSuffix(path, ".json")
			if isFeed && bytes.Contains(bytes.ToLower(body), []byte("<script")) {
				t.Fatalf("%s: holds <script", path)
			}
		}
	})
}
