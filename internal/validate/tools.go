package validate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// RequireEnv names the variable that turns a missing tool from a skip into
// a failure. CI sets it to 1, so that CI runs the checks and never skips
// them.
const RequireEnv = "FEEDPUB_REQUIRE_TOOLS"

// Debian packages that provide each tool.
var packages = map[string]string{
	"jing":        "jing",
	"feedparser":  "python3-feedparser",
	"newsboat":    "newsboat",
	"sqlite3":     "sqlite3",
	"hugo":        "hugo",
	"jekyll":      "jekyll",
	"jekyll-feed": "ruby-jekyll-feed",
	"tidy":        "tidy",
	"html5lib":    "python3-html5lib",
}

// Missing skips the test with a message saying what is missing and how to
// install it, or, when RequireEnv is 1, fails it.
func Missing(t testing.TB, tool string, why error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not available (%v): apt-get install %s", tool, why, packages[tool])
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s; %s=1 makes this a failure", msg, RequireEnv)
	}
	t.Skipf("skipping: %s; set %s=1 to fail instead", msg, RequireEnv)
}

// Tool returns the path of the program name, or skips (or fails) the test
// through Missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, err)
	}
	return p
}

// Python is the interpreter that has Debian's python3-feedparser: the
// python3 first on PATH may be another one. FEEDPUB_PYTHON overrides it.
func Python(t testing.TB) string {
	t.Helper()
	py := os.Getenv("FEEDPUB_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	out, err := exec.Command(py, "-c", "import feedparser").CombinedOutput()
	if err != nil {
		Missing(t, "feedparser", fmt.Errorf("%s -c 'import feedparser': %v: %s", py, err, bytes.TrimSpace(out)))
	}
	return py
}

// jingLine is one error jing reports: file:line:col: error: message.
var jingLine = regexp.MustCompile(`(?m)^(.*?):(\d+):(\d+): (error|fatal): (.*)$`)

// atomSchema is RFC 4287's RELAX NG compact schema (its Appendix B).
//
//go:embed atom.rnc
var atomSchema []byte

// Jing validates Atom files against RFC 4287's schema with one run of
// jing, and returns its errors (file:line:col: message), none when all
// are valid.
func Jing(t testing.TB, files []string) []string {
	t.Helper()
	jing := Tool(t, "jing")
	schema := filepath.Join(t.TempDir(), "atom.rnc")
	if err := os.WriteFile(schema, atomSchema, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(jing, append([]string{"-c", schema}, files...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var errs []string
	for _, m := range jingLine.FindAllStringSubmatch(stdout.String()+stderr.String(), -1) {
		errs = append(errs, m[0])
	}
	if err != nil && len(errs) == 0 {
		// jing failed without saying where: report all it said, but the
		// Debian wrapper's warnings about optional jars.
		var lines []string
		for _, l := range strings.Split(stdout.String()+stderr.String(), "\n") {
			if l != "" && !strings.Contains(l, "Unable to locate") {
				lines = append(lines, l)
			}
		}
		errs = append(errs, fmt.Sprintf("jing: %v: %s", err, strings.Join(lines, "; ")))
	}
	return errs
}

// Parsed is what Python's feedparser saw in one file.
type Parsed struct {
	File          string
	Bozo          bool
	BozoException string `json:"bozo_exception"`
	Version       string
	Title         string
	Entries       []struct {
		ID, Title, Link string
		Published       *int64
		Updated         *int64
		Tags            []string
		Author          string
	}
}

//go:embed feedparser.py
var feedparserScript string

// Feedparser parses files with Python's feedparser in one run.
func Feedparser(t testing.TB, files []string) map[string]*Parsed {
	t.Helper()
	py := Python(t)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(py, append([]string{"-c", feedparserScript}, files...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("feedparser: %v: %s", err, stderr.String())
	}
	var list []*Parsed
	if err := json.Unmarshal(stdout.Bytes(), &list); err != nil {
		t.Fatalf("feedparser: reading its output: %v", err)
	}
	out := make(map[string]*Parsed, len(list))
	for _, p := range list {
		out[p.File] = p
	}
	return out
}

// Feed turns what feedparser saw into a Feed, to Compare with a Want.
func (p *Parsed) Feed(format string) *Feed {
	f := &Feed{Format: format, Title: p.Title}
	for _, e := range p.Entries {
		it := Item{ID: e.ID, Title: e.Title, Link: e.Link, Categories: e.Tags, Author: e.Author}
		if e.Published != nil {
			it.Published = time.Unix(*e.Published, 0)
		}
		if e.Updated != nil && format == "atom" {
			it.Updated = time.Unix(*e.Updated, 0)
		}
		f.Items = append(f.Items, it)
	}
	return f
}

// WantVersion is feedparser's name of each format's version.
var WantVersion = map[string]string{"rss": "rss20", "atom": "atom10"}
