package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"feedpub/internal/validate"
)

// The sample sites of each dialect, written for these tests.
const sitesDir = "../../testdata/sites"

// HexoEnv names the folder where hexo, hexo-generator-feed and
// hexo-renderer-marked are installed (its node_modules): .ci/run installs
// them there.
const HexoEnv = "FEEDPUB_HEXO"

// genItem is one post as a feed lists it.
type genItem struct {
	Title      string
	Link       string // unescaped
	Date       time.Time
	Categories []string
}

// TestDialectsAgainstGenerators builds each sample site with its own
// generator and with feedpub, and compares the posts they publish item
// by item: count, titles, dates to the second, links and categories.
func TestDialectsAgainstGenerators(t *testing.T) {
	for _, d := range []struct {
		name string
		gen  func(t *testing.T, site string) []genItem
	}{
		{"hexo", hexoItems},
		{"hugo", hugoItems},
		{"jekyll", jekyllItems},
	} {
		t.Run(d.name, func(t *testing.T) {
			src := filepath.Join(sitesDir, d.name)
			want := d.gen(t, copySite(t, src))
			got := feedpubItems(t, src)
			t.Logf("%s: generator publishes %d posts, feedpub %d", d.name, len(want), len(got))
			compareItems(t, got, want)
		})
	}
}

func compareItems(t *testing.T, got, want []genItem) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("feedpub publishes %d posts, the generator %d:\nfeedpub:   %v\ngenerator: %v", len(got), len(want), links(got), links(want))
	}
	byLink := map[string]genItem{}
	for _, g := range got {
		byLink[g.Link] = g
	}
	for _, w := range want {
		g, ok := byLink[w.Link]
		if !ok {
			t.Errorf("%s (%q): not in feedpub's feed, which has %v", w.Link, w.Title, links(got))
			continue
		}
		if g.Title != w.Title {
			t.Errorf("%s: title %q, generator %q", w.Link, g.Title, w.Title)
		}
		if !g.Date.Truncate(time.Second).Equal(w.Date.Truncate(time.Second)) {
			t.Errorf("%s: date %v, generator %v", w.Link, g.Date.UTC(), w.Date.UTC())
		}
		gc, wc := slices.Sorted(slices.Values(g.Categories)), slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(w.Categories)))))
		if !slices.Equal(gc, wc) {
			t.Errorf("%s: categories %q, generator %q", w.Link, gc, wc)
		}
	}
}

func links(items []genItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Link)
	}
	return out
}

// feedpubItems builds the site with feedpub and reads its Atom feed back;
// it also checks that no template syntax is left in any file written.
func feedpubItems(t *testing.T, site string) []genItem {
	t.Helper()
	out := t.TempDir()
	conf := filepath.Join(t.TempDir(), "empty.yaml")
	os.WriteFile(conf, nil, 0o644)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"build", "-config", conf, "-seeds", site, "-out", out, "-quiet", "-strict"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("feedpub build %s: %v\n%s", site, err, stderr.String())
	}
	noTemplateSyntax(t, out)
	f := validate.ParseFile(t, filepath.Join(out, "atom.xml"))
	var items []genItem
	for _, it := range f.Items {
		items = append(items, genItem{Title: it.Title, Link: unescape(t, it.Link), Date: *it.PublishedParsed, Categories: it.Categories})
	}
	return items
}

// templateSyntax is what a generator's template tags leave when shown raw.
var (
	templateSyntax = regexp.MustCompile(`\{%|%\}|\{\{<|>\}\}|\{\{%`)
	codeRegion     = regexp.MustCompile(`(?s)<pre.*?</pre>|<code.*?</code>`)
)

// noTemplateSyntax fails for template syntax outside code blocks in the
// content of any feed or page under dir.
func noTemplateSyntax(t *testing.T, dir string) {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var texts []string
		switch filepath.Ext(p) {
		case ".html":
			data, _ := os.ReadFile(p)
			texts = append(texts, string(data))
		case ".xml", ".json":
			if strings.HasSuffix(p, "feeds.opml") {
				return nil
			}
			for _, it := range validate.ParseFile(t, p).Items {
				texts = append(texts, it.Title, it.Content, it.Description)
			}
		default:
			return nil
		}
		n++
		for _, s := range texts {
			if m := templateSyntax.FindString(codeRegion.ReplaceAllString(s, "")); m != "" {
				rel, _ := filepath.Rel(dir, p)
				t.Errorf("%s: %q left outside code: %.200s", rel, m, s)
			}
		}
		return nil
	})
	if n == 0 {
		t.Errorf("no feed or page written under %s", dir)
	}
}

func unescape(t *testing.T, link string) string {
	t.Helper()
	u, err := url.PathUnescape(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u
}

// copySite copies a sample site into a temporary folder, for a generator
// that writes beside its sources.
func copySite(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "site")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func runTool(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// hexoItems builds the site with Hexo and hexo-generator-feed.
func hexoItems(t *testing.T, site string) []genItem {
	dir := os.Getenv(HexoEnv)
	if dir == "" {
		dir = filepath.Join(os.Getenv("HOME"), ".cache", "feedpub", "hexo")
	}
	bin := filepath.Join(dir, "node_modules", "hexo", "bin", "hexo")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		msg := fmt.Sprintf("hexo is not available (%v): npm install --prefix DIR hexo@8 hexo-generator-feed hexo-renderer-marked hexo-renderer-ejs, and set %s=DIR", err, HexoEnv)
		if os.Getenv(validate.RequireEnv) == "1" {
			t.Fatalf("%s; %s=1 makes this a failure", msg, validate.RequireEnv)
		}
		t.Skipf("skipping: %s; set %s=1 to fail instead", msg, validate.RequireEnv)
	}
	if err := os.Symlink(filepath.Join(dir, "node_modules"), filepath.Join(site, "node_modules")); err != nil {
		t.Fatal(err)
	}
	// Hexo makes a permalink's date in the zone of the machine it runs on:
	// the site's own, where its author runs it.
	runTool(t, site, []string{"TZ=Asia/Shanghai"}, node, bin, "generate", "--silent")
	atom := filepath.Join(site, "public", "atom.xml")
	cats := hexoCategories(t, atom)
	var items []genItem
	for _, it := range validate.ParseFile(t, atom).Items {
		link := unescape(t, it.Link)
		items = append(items, genItem{Title: it.Title, Link: link, Date: *it.PublishedParsed, Categories: cats[link]})
	}
	return items
}

// hexoCategories are each entry's categories without its tags, by link:
// Hexo writes both as Atom categories, a category's scheme under
// /categories/.
func hexoCategories(t *testing.T, name string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Entries []struct {
			Link struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Categories []struct {
				Term   string `xml:"term,attr"`
				Scheme string `xml:"scheme,attr"`
			} `xml:"category"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(data, &feed); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string][]string{}
	for _, e := range feed.Entries {
		link := unescape(t, e.Link.Href)
		for _, c := range e.Categories {
			if strings.Contains(c.Scheme, "/categories/") {
				out[link] = append(out[link], c.Term)
			}
		}
	}
	return out
}

// hugoItems builds the site with Hugo: its RSS gives titles, links and
// dates; the site's index.json, the same pages, their categories.
func hugoItems(t *testing.T, site string) []genItem {
	hugo := toolPath(t, "hugo")
	runTool(t, site, nil, hugo, "--quiet", "-d", "public")
	return withCategories(t, filepath.Join(site, "public", "index.xml"), filepath.Join(site, "public", "index.json"))
}

// jekyllItems builds the site with Jekyll and jekyll-feed: feed.xml gives
// titles, links and dates; the site's posts.json their categories (the
// feed mixes them with tags).
func jekyllItems(t *testing.T, site string) []genItem {
	jekyll := toolPath(t, "jekyll")
	runTool(t, site, []string{"JEKYLL_ENV=production"}, jekyll, "build", "--quiet", "-d", "_site")
	if _, err := os.Stat(filepath.Join(site, "_site", "feed.xml")); err != nil {
		validate.Missing(t, "jekyll-feed", fmt.Errorf("jekyll wrote no feed.xml: %w", err))
	}
	return withCategories(t, filepath.Join(site, "_site", "feed.xml"), filepath.Join(site, "_site", "posts.json"))
}

func toolPath(t *testing.T, name string) string {
	return validate.Tool(t, name)
}

// withCategories reads a generator's feed, and the categories of each
// item from a JSON list of {link, categories} the site's template wrote.
func withCategories(t *testing.T, feedFile, listFile string) []genItem {
	t.Helper()
	data, err := os.ReadFile(listFile)
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Link       string
		Categories []string
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("%s: %v", listFile, err)
	}
	cats := map[string][]string{}
	for _, e := range list {
		cats[unescape(t, e.Link)] = e.Categories
	}
	var items []genItem
	for _, it := range validate.ParseFile(t, feedFile).Items {
		link := unescape(t, it.Link)
		c, ok := cats[link]
		if !ok {
			t.Errorf("%s: in %s, not in %s", link, filepath.Base(feedFile), filepath.Base(listFile))
		}
		items = append(items, genItem{Title: it.Title, Link: link, Date: *it.PublishedParsed, Categories: c})
	}
	return items
}

var updateSites = flag.Bool("update", false, "rewrite the golden feeds of the sample sites in testdata/sites/golden")

// TestDialectGolden builds each sample site with feedpub and compares
// its feeds of all posts with the golden files.
func TestDialectGolden(t *testing.T) {
	for _, d := range []string{"hexo", "hugo", "jekyll"} {
		t.Run(d, func(t *testing.T) {
			out := t.TempDir()
			conf := filepath.Join(t.TempDir(), "empty.yaml")
			os.WriteFile(conf, nil, 0o644)
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), []string{"build", "-config", conf, "-seeds", filepath.Join(sitesDir, d), "-out", out, "-quiet", "-strict"}, &stdout, &stderr); err != nil {
				t.Fatalf("build: %v\n%s", err, stderr.String())
			}
			for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
				got, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join(sitesDir, "golden", d, name)
				if *updateSites {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (go test ./cmd/feedpub -run TestDialectGolden -update writes it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s/%s differs from %s (rerun with -update if the change is meant)", d, name, golden)
				}
			}
		})
	}
}
