package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"feedpub/internal/validate"
)

// buildPages builds dir with site.language lang and returns the folder
// and the HTML pages in it.
func buildPages(t *testing.T, dir, lang string) (string, []string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "feedpub.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("site:\n  language: %s\n  url: https://news.example.com/\n", lang)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", dir, "-out", out, "-config", cfg, "-quiet"}, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	var pages []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "index.html" {
			pages = append(pages, p)
		}
		return err
	})
	kinds := map[string]bool{}
	for _, p := range pages {
		rel, _ := filepath.Rel(out, p)
		kinds[pageKind(filepath.ToSlash(rel))] = true
	}
	for _, k := range []string{"index", "all", "categories", "category", "post"} {
		if !kinds[k] {
			t.Fatalf("%s: no page of kind %s among %d", dir, k, len(pages))
		}
	}
	return out, pages
}

// pageKind names the kind of the page at rel (a path in the built folder).
func pageKind(rel string) string {
	switch {
	case rel == "index.html":
		return "index"
	case rel == "all/index.html":
		return "all"
	case rel == "categories/index.html":
		return "categories"
	case strings.HasPrefix(rel, "categories/"):
		return "category"
	case strings.HasPrefix(rel, "posts/"):
		return "post"
	}
	return "other"
}

// html5libCheck parses each file with html5lib, as a browser would, and
// prints every parse error: file:line:col: code.
const html5libCheck = `
import sys, html5lib
for path in sys.argv[1:]:
    p = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    with open(path, 'rb') as f:
        p.parse(f)
    for pos, code, data in p.errors:
        print("%s:%d:%d: %s %s" % (path, pos[0], pos[1], code, data))
`

// TestPagesValidHTML checks every page built from the bundled seeds and
// from the hostile posts, in zh-CN and in en: tidy reports no error, and
// html5lib parses it with no parse error. No page holds a script, an
// event handler or a resource of its chrome from another site.
func TestPagesValidHTML(t *testing.T) {
	tidy := validate.Tool(t, "tidy")
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import html5lib").CombinedOutput(); err != nil {
		validate.Missing(t, "html5lib", fmt.Errorf("%s -c 'import html5lib': %v: %s", py, err, bytes.TrimSpace(out)))
	}
	tidyError := regexp.MustCompile(`(?m)^line \d+ column \d+ - Error: .*$`)
	for _, dir := range []string{seedsDir, hostileDir} {
		for _, lang := range []string{"zh-CN", "en"} {
			t.Run(filepath.Base(dir)+"/"+lang, func(t *testing.T) {
				out, pages := buildPages(t, dir, lang)
				for _, p := range pages {
					rel, _ := filepath.Rel(out, p)
					// tidy exits 1 for warnings (it does not know
					// loading="lazy"), 2 for errors.
					msg, err := exec.Command(tidy, "-errors", "-q", "-utf8", p).CombinedOutput()
					if ee, ok := err.(*exec.ExitError); (ok && ee.ExitCode() > 1) || (err != nil && !ok) || tidyError.Match(msg) {
						t.Errorf("%s: tidy: %v\n%s", rel, err, tidyError.FindAll(msg, -1))
					}
					checkChrome(t, rel, p)
				}
				msg, err := exec.Command(py, append([]string{"-c", html5libCheck}, pages...)...).CombinedOutput()
				if err != nil || len(bytes.TrimSpace(msg)) > 0 {
					t.Errorf("html5lib: %v\n%s", err, msg)
				}
			})
		}
	}
}

// checkChrome checks a page outside its post's body: no script, no event
// handler, no stylesheet, font or frame from elsewhere.
func checkChrome(t *testing.T, rel, name string) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "frame", "form":
				t.Errorf("%s: a <%s>", rel, n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: <%s %s>", rel, n.Data, a.Key)
				}
				if n.Data == "link" && a.Key == "href" && strings.Contains(a.Val, "//") {
					t.Errorf("%s: <link href=%q> loads from elsewhere", rel, a.Val)
				}
			}
			if n.Data == "div" && hasClass(n, "body") {
				return // the post's own content, sanitised (see the feed tests)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && strings.Contains(" "+a.Val+" ", " "+class+" ") {
			return true
		}
	}
	return false
}
