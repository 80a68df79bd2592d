package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"feedpub/internal/validate"
	"feedpub/loader"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The fixed clock and zone of every golden build.
var (
	goldenNow  = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	goldenZone = mustLoadZone("Asia/Shanghai")
)

func mustLoadZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func goldenConfig() Config {
	return Config{
		Title:       "要闻速递",
		Description: "金融与科技新闻",
		URL:         "https://news.example.com/",
		Language:    "zh-CN",
		Location:    goldenZone,
	}
}

// buildTestdata builds testdata/posts as of goldenNow.
func buildTestdata(t *testing.T) (*Site, *loader.Result) {
	t.Helper()
	res, err := loader.New(loader.Config{Root: "testdata/posts", Location: goldenZone}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	site, err := Build(res.Posts, goldenConfig(), goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	return site, res
}

// goldenName is the golden file of path p: pages ("/x/") as x/index.html.
func goldenName(p string) string {
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	return filepath.Join("testdata", "golden", filepath.FromSlash(p))
}

// TestGolden compares every file of the site, feeds and pages (the index,
// each feed's page, each post's page, the OPML list and the stylesheet),
// with its golden file.
func TestGolden(t *testing.T) {
	site, _ := buildTestdata(t)
	paths := site.Paths()
	golden := filepath.Join("testdata", "golden")
	if *update {
		os.RemoveAll(golden)
		for _, p := range paths {
			name := goldenName(p)
			os.MkdirAll(filepath.Dir(name), 0o755)
			if err := os.WriteFile(name, fileAt(t, site, p).Body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var want, got []string
	filepath.WalkDir(golden, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			want = append(want, p)
		}
		return nil
	})
	for _, p := range paths {
		got = append(got, goldenName(p))
	}
	slices.Sort(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("files built:\n%s\ngolden files:\n%s\n(run go test ./feed -run TestGolden -update)", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range paths {
		w, err := os.ReadFile(goldenName(p))
		if err != nil {
			t.Fatal(err)
		}
		if got := fileAt(t, site, p).Body; !bytes.Equal(got, w) {
			t.Errorf("%s differs from its golden file (run go test ./feed -run TestGolden -update and review the diff)", p)
		}
	}
}

// wantFeeds is what testdata/posts must give: items of each feed by title,
// newest first. The future post, the draft and the broken post are not in
// any feed; "open source"/"Open Source" and "ＧＯ"/"Go" share feeds. Tags
// and authors have feeds of their own, posts without an author none.
var wantFeeds = map[string][]string{
	"":                        {"沪指收涨 0.8%，成交额回升", "Release notes: version 2.0 & friends", "城市书展开幕", "Same category, other case"},
	"categories/金融/":          {"沪指收涨 0.8%，成交额回升"},
	"categories/要闻/":          {"沪指收涨 0.8%，成交额回升", "Release notes: version 2.0 & friends"},
	"categories/open-source/": {"Release notes: version 2.0 & friends", "Same category, other case"},
	"categories/go/":          {"Release notes: version 2.0 & friends", "Same category, other case"},
	"categories/文化/":          {"城市书展开幕"},
	"tags/go/":                {"Release notes: version 2.0 & friends"},
	"tags/release/":           {"Release notes: version 2.0 & friends"},
	"authors/ada-lovelace/":   {"Release notes: version 2.0 & friends"},
	"authors/财经快讯/":           {"沪指收涨 0.8%，成交额回升"},
}

func TestFeedsParseBack(t *testing.T) {
	site, res := buildTestdata(t)
	if n := len(res.Problems); n != 1 || !strings.Contains(res.Problems[0].Error(), "006_broken.txt:2: no date") {
		t.Errorf("problems = %v, want one: 006_broken.txt has no date", res.Problems)
	}
	ids := map[string]string{} // title -> id, the same in every feed and format
	for dir, titles := range wantFeeds {
		for _, f := range formatList {
			p := "/" + dir + f.file
			file := fileAt(t, site, p)
			if file == nil {
				t.Errorf("%s: missing", p)
				continue
			}
			if f.name != "json" {
				strictXML(t, p, file.Body)
			} else if !json.Valid(file.Body) {
				t.Errorf("%s: invalid JSON", p)
			}
			parsed, err := gofeed.NewParser().Parse(bytes.NewReader(file.Body))
			if err != nil {
				t.Errorf("%s: gofeed: %v", p, err)
				continue
			}
			var got []string
			for _, it := range parsed.Items {
				got = append(got, it.Title)
				if it.GUID == "" || it.Link == "" || it.PublishedParsed == nil {
					t.Errorf("%s: item %q lacks id, link or date", p, it.Title)
				}
				if id, ok := ids[it.Title]; ok && id != it.GUID {
					t.Errorf("%s: item %q has id %q, elsewhere %q", p, it.Title, it.GUID, id)
				}
				ids[it.Title] = it.GUID
			}
			if strings.Join(got, "|") != strings.Join(titles, "|") {
				t.Errorf("%s: items\n got %q\nwant %q", p, got, titles)
			}
		}
	}
	if n := len(site.Feeds()); n != len(wantFeeds) {
		t.Errorf("%d feeds, want %d", n, len(wantFeeds))
	}
}

// strictXML decodes b to the end with encoding/xml in strict mode.
func strictXML(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := validate.StrictXML(b); err != nil {
		t.Errorf("%s: not well-formed XML: %v", name, err)
	}
}

// fileAt is s.File(p), failing the test on an error.
func fileAt(t testing.TB, s *Site, p string) *File {
	t.Helper()
	f, err := s.File(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestBuildDeterministic(t *testing.T) {
	a, _ := buildTestdata(t)
	b, _ := buildTestdata(t)
	if strings.Join(a.Paths(), " ") != strings.Join(b.Paths(), " ") {
		t.Fatalf("paths differ: %v vs %v", a.Paths(), b.Paths())
	}
	for _, p := range a.Paths() {
		if !bytes.Equal(fileAt(t, a, p).Body, fileAt(t, b, p).Body) {
			t.Errorf("%s: two builds of the same input differ", p)
		}
	}
}

func TestBuildLimitAndDates(t *testing.T) {
	var posts []*loader.Post
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		posts = append(posts, &loader.Post{
			Path: "p" + string(rune('a'+i)) + ".txt", Title: "T" + string(rune('a'+i)),
			Date: base.Add(time.Duration(i) * time.Hour), Updated: base.Add(time.Duration(i) * time.Hour),
			Categories: []string{"c"}, Body: "<p>x</p>",
		})
	}
	posts[6].Date = base.Add(100 * time.Hour) // not yet due
	cfg := goldenConfig()
	cfg.Limit = 3
	site, err := Build(posts, cfg, base.Add(50*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(fileAt(t, site, "/categories/c/atom.xml").Body))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range parsed.Items {
		got = append(got, it.Title)
	}
	if want := "Tf Te Td"; strings.Join(got, " ") != want {
		t.Errorf("items = %v, want %s (newest 3, the future post left out)", got, want)
	}
	if want := base.Add(5 * time.Hour); parsed.UpdatedParsed == nil || !parsed.UpdatedParsed.Equal(want) {
		t.Errorf("feed updated = %v, want the newest item's date %v", parsed.UpdatedParsed, want)
	}
	if !site.NextDue.Equal(posts[6].Date) {
		t.Errorf("NextDue = %v, want %v", site.NextDue, posts[6].Date)
	}
	if f := fileAt(t, site, "/categories/c/rss.xml"); !f.Modified.Equal(base.Add(5 * time.Hour)) {
		t.Errorf("Modified = %v, want the newest item's date", f.Modified)
	}
}

// A description that is markup alone (or text the HTML tokenizer reads as
// a tag) falls back to the body's text, so no item has an empty summary.
func TestSummaryFallsBackToBody(t *testing.T) {
	posts := []*loader.Post{{Path: "a.txt", Title: "A", Summary: "<A0", Body: "<p>Body text here.</p>",
		Date: goldenNow.Add(-time.Hour), Updated: goldenNow.Add(-time.Hour)}}
	site, err := Build(posts, goldenConfig(), goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(fileAt(t, site, "/feed.json").Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Items[0].Description; got != "Body text here." {
		t.Errorf("summary = %q, want the body's text", got)
	}
}

// A lean build of slim posts (a folder over the body budget, as build
// reads it), which keeps the content of the posts in feeds compressed,
// writes the very bytes of a build of whole posts.
func TestLeanSlimBuildSameBytes(t *testing.T) {
	want, _ := buildTestdata(t)
	res, err := loader.New(loader.Config{Root: "testdata/posts", Location: goldenZone, BodyBudget: 1, SlimPosts: true}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Posts {
		if full, _ := p.Full(); p.Body != "" || full == p {
			t.Fatalf("%s: got a whole post (body %q), want a slim one", p.Path, p.Body)
		}
	}
	got, err := BuildLean(res.Posts, goldenConfig(), goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Paths(), want.Paths()) {
		t.Fatalf("got paths %q, want %q", got.Paths(), want.Paths())
	}
	for _, p := range want.Paths() {
		data, err := got.Body(p)
		if err != nil {
			t.Fatal(err)
		}
		if w := fileAt(t, want, p).Body; !bytes.Equal(data, w) {
			t.Errorf("%s: the lean build of slim posts wrote %d bytes, want the %d of a whole build", p, len(data), len(w))
		}
	}
}

// TestGoldenCategoriesOnly: with tags and authors off, every file is the
// one feedpub wrote before taxonomies were a table: the feeds are those of
// TestGolden, and the pages that list feeds or taxonomies are kept in
// testdata/golden-categories.
func TestGoldenCategoriesOnly(t *testing.T) {
	res, err := loader.New(loader.Config{Root: "testdata/posts", Location: goldenZone}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := goldenConfig()
	cfg.Taxonomies = []string{"categories"}
	site, err := Build(res.Posts, cfg, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	own := func(p string) string {
		return strings.Replace(goldenName(p), filepath.Join("testdata", "golden"), filepath.Join("testdata", "golden-categories"), 1)
	}
	for _, p := range site.Paths() {
		if strings.HasPrefix(p, "/tags/") || strings.HasPrefix(p, "/authors/") {
			t.Errorf("%s: a taxonomy that is off", p)
		}
		body := fileAt(t, site, p).Body
		name := own(p)
		if *update {
			if g, err := os.ReadFile(goldenName(p)); err == nil && bytes.Equal(g, body) {
				os.Remove(name)
			} else {
				os.MkdirAll(filepath.Dir(name), 0o755)
				os.WriteFile(name, body, 0o644)
			}
		}
		w, err := os.ReadFile(name)
		if err != nil {
			w, err = os.ReadFile(goldenName(p))
		}
		if err != nil {
			t.Errorf("%s: no golden file: %v", p, err)
			continue
		}
		if !bytes.Equal(body, w) {
			t.Errorf("%s differs from its golden file with categories only", p)
		}
	}
}
