package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "sit: {title: x}\n", "feedpub.yaml:1: `sit` is not a configuration key; did you mean `site`?"},
		{"bad schedule", "schedule: 'every minute'\n", "schedule"},
		{"cron tz alone", "schedule: 'CRON_TZ=Asia/Shanghai'\n", "schedule"},
		{"bad zone", "timezone: Mars/Olympus\n", "timezone"},
		{"negative limit", "limit: -1\n", "limit"},
		{"bad url", "site: {url: 'ftp://x'}\n", "site url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "feedpub.yaml")
			writeFiles(t, dir, map[string]string{"feedpub.yaml": tt.yaml})
			err := run(context.Background(), []string{"check", "-config", cfg, "-seeds", "../../seeds"}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestCheckAndStrict(t *testing.T) {
	seeds := t.TempDir()
	writeFiles(t, seeds, map[string]string{
		"good.txt":      "---\ntitle: Good\ndate: 2024-01-20\ncategories: [a]\n---\n<p>ok</p>",
		"sub/bad.txt":   "---\ntitle: Bad\ndate: someday\n---\n<p>no</p>",
		".hidden.txt":   "not a post",
		"notes.txt~":    "editor leftover",
		"image.png":     "not a post either",
		"sub/#auto.md#": "emacs autosave",
	})
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"check", "-seeds", seeds}, &out, &errOut)
	var code exitError
	if !errors.As(err, &code) || code != 1 {
		t.Errorf("check: %v, want exit status 1", err)
	}
	if got, want := strings.TrimSpace(errOut.String()), filepath.Join(seeds, "sub", "bad.txt")+":3: date: cannot read date"; !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 0 {
		t.Errorf("check printed %q on stderr, want one line starting %q", got, want)
	}

	pub := filepath.Join(t.TempDir(), "public")
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", pub}, &out, &errOut); err != nil {
		t.Fatalf("build without -strict: %v", err)
	}
	if !strings.Contains(errOut.String(), filepath.Join(seeds, "sub", "bad.txt")+":3:") {
		t.Errorf("build's stderr %q does not name the rejected post", errOut.String())
	}
	if _, err := os.Stat(filepath.Join(pub, "categories", "a", "rss.xml")); err != nil {
		t.Errorf("the good post's feed was not written: %v", err)
	}
	err = run(context.Background(), []string{"build", "-strict", "-seeds", seeds, "-out", pub}, &out, &errOut)
	if !errors.As(err, &code) || code != 1 {
		t.Errorf("build -strict: %v, want exit status 1", err)
	}
}

func TestBuildRemovesGoneCategories(t *testing.T) {
	seeds, pub := t.TempDir(), filepath.Join(t.TempDir(), "public")
	writeFiles(t, seeds, map[string]string{
		"a.txt": "---\ntitle: A\ndate: 2024-01-20\ncategories: [keep]\n---\n<p>a</p>",
		"b.txt": "---\ntitle: B\ndate: 2024-01-21\ncategories: [gone]\n---\n<p>b</p>",
	})
	writeFiles(t, pub, map[string]string{"mine.txt": "not feedpub's"})
	build := func() {
		t.Helper()
		if err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", pub}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	build()
	if _, err := os.Stat(filepath.Join(pub, "categories", "gone", "atom.xml")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(seeds, "b.txt"))
	build()
	if _, err := os.Stat(filepath.Join(pub, "categories", "gone")); !os.IsNotExist(err) {
		t.Errorf("feeds of a category that no longer exists remain: %v", err)
	}
	for _, keep := range []string{"categories/keep/atom.xml", "mine.txt"} {
		if _, err := os.Stat(filepath.Join(pub, keep)); err != nil {
			t.Errorf("%s: %v", keep, err)
		}
	}
}

// cliCase is one run of the command line and what it must give: the exit
// status, text each stream must hold, and a check of its own.
type cliCase struct {
	name   string
	args   []string // {dir} is replaced by the case's folder
	files  map[string]string
	code   int
	stdout []string
	stderr []string
	never  []string // on neither stream
	check  func(t *testing.T, dir, stdout, stderr string)
}

// TestCLI covers the command line item by item (issue 15): positional
// folder, help and version, usage, config keys and paths, problem paths,
// output folder errors, the limit rule, streams and plurals, check's
// warnings, a missing seed folder and build's ttl. serve's logs are
// TestServeStartAndStop's.
func TestCLI(t *testing.T) {
	post := "---\ntitle: One\ndate: 2024-01-20 08:00\ncategories: [a]\n---\n<p>one</p>\n"
	plain := "---\ntitle: One\ndate: 2024-01-20 08:00\n---\n<p>one</p>\n"
	limitMsg := `limit: want a whole number from 1 to 10000, got "0"`
	tests := []cliCase{
		// Stray arguments: the seed folder is the one positional, flags
		// after it are parsed, a second positional is a usage error.
		{name: "build DIR then flags", args: []string{"build", "{dir}/posts", "-out", "{dir}/out1"},
			files: map[string]string{"posts/a.txt": post},
			check: func(t *testing.T, dir, _, _ string) { mustExist(t, dir, "out1/rss.xml", "out1/categories/a/rss.xml") }},
		{name: "check flags DIR flags", args: []string{"check", "-timezone", "UTC", "{dir}/posts", "-limit", "5"},
			files: map[string]string{"posts/a.txt": post}, stdout: []string{"1 file, 1 post read, 0 rejected"}},
		{name: "two positionals", args: []string{"build", "{dir}/posts", "extra", "-out", "{dir}/out"}, code: 2,
			files: map[string]string{"posts/a.txt": post}, stderr: []string{`got "{dir}/posts" and "extra"`, "Usage: feedpub build [flags] [DIR]"},
			check: func(t *testing.T, dir, _, _ string) { mustNotExist(t, dir, "out") }},
		{name: "serve two positionals", args: []string{"serve", "{dir}", "extra", "-addr", "127.0.0.1:0"}, code: 2,
			stderr: []string{"Usage: feedpub serve [flags] [DIR]"}},
		{name: "bad flag after DIR", args: []string{"check", "{dir}", "-nope"}, code: 2,
			stderr: []string{"flag provided but not defined: -nope", "Usage: feedpub check [flags] [DIR]"}},
		{name: "DIR and -seeds", args: []string{"check", "{dir}/posts", "-seeds", "{dir}/other"}, code: 2,
			files: map[string]string{"posts/a.txt": post}, stderr: []string{"two seed folders"}},

		// Help and version.
		{name: "--help", args: []string{"--help"}, stdout: []string{"feedpub build [flags] [DIR]", "feedpub gen", "feedpub version", "Run 'feedpub COMMAND -h'"}},
		{name: "help", args: []string{"help"}, stdout: []string{"feedpub serve [flags] [DIR]"}},
		{name: "help build", args: []string{"help", "build"}, stdout: []string{"Usage: feedpub build [flags] [DIR]", "-gzip", "-quiet", "-strict", "-limit"}},
		{name: "help nothing", args: []string{"help", "nothing"}, code: 2, stderr: []string{`no command "nothing"`}},
		{name: "version", args: []string{"version"}, stdout: []string{"feedpub ", runtime.Version()}},
		{name: "-version", args: []string{"-version"}, stdout: []string{"feedpub ", "commit", runtime.Version()}},
		{name: "no command", args: nil, code: 2, stderr: []string{"feedpub check", "feedpub gen", "Run 'feedpub COMMAND -h'"}},
		{name: "serve -h", args: []string{"serve", "-h"}, stderr: []string{"-access-log", "-addr", "-limit", "-timezone", "-config", "-seeds"}},

		// Configuration: unknown keys and bad values in the user's terms;
		// paths relative to the file's folder.
		{name: "unknown site key", args: []string{"check", "-config", "{dir}/feedpub.yaml", "{dir}"}, code: 2,
			files: map[string]string{"feedpub.yaml": "# site\nsite:\n  titel: x\n"},
			check: func(t *testing.T, dir string, _, _ string) {}, // the error is the run's: see wantErr
		},
		{name: "wrong kind", args: []string{"check", "-config", "{dir}/feedpub.yaml", "{dir}"}, code: 2,
			files: map[string]string{"feedpub.yaml": "limit: many\n"}},
		{name: "bad taxonomy", args: []string{"check", "-config", "{dir}/feedpub.yaml", "{dir}"}, code: 2,
			files: map[string]string{"feedpub.yaml": "limit: 5\ntaxonomies: [categories, tagz]\n"}},
		{name: "taxonomies chosen", args: []string{"build", "-config", "{dir}/feedpub.yaml", "{dir}/posts", "-out", "{dir}/out"},
			files:  map[string]string{"feedpub.yaml": "taxonomies:\n  - tags\n", "posts/a.txt": "---\ntitle: x\ndate: 2024-01-01\ncategories: [c]\ntags: [t]\nauthor: Ann\n---\nbody\n"},
			stdout: []string{"1 post published"},
			check: func(t *testing.T, dir, _, _ string) {
				mustExist(t, dir, "out/tags/t/rss.xml")
				mustExist(t, dir, "out/tags/index.html")
				mustNotExist(t, dir, "out/categories")
				mustNotExist(t, dir, "out/authors")
			}},
		{name: "bad template", args: []string{"check", "-config", "{dir}/feedpub.yaml", "{dir}"}, code: 2,
			files: map[string]string{"feedpub.yaml": "templates: tpl\n", "tpl/post.html": "<p>\n{{.Title}}\n{{.Nope}}</p>\n"}},
		{name: "templates", args: []string{"build", "-config", "{dir}/feedpub.yaml", "{dir}/posts", "-out", "{dir}/out"},
			files: map[string]string{"feedpub.yaml": "templates: tpl\n", "posts/a.txt": post,
				"tpl/post.html": "{{template \"head\" .}}<p class=\"mine\">{{.Heading}}</p>{{template \"foot\" .}}"},
			stdout: []string{"1 post published"},
			check: func(t *testing.T, dir, _, _ string) {
				page, err := os.ReadFile(filepath.Join(dir, "out", "posts", "a", "index.html"))
				if err != nil || !strings.Contains(string(page), `<p class="mine">One</p>`) {
					t.Errorf("the post's page is not made from tpl/post.html: %v\n%s", err, page)
				}
			}},
		{name: "config paths", args: []string{"build", "-config", "{dir}/conf/feedpub.yaml"},
			files:  map[string]string{"conf/feedpub.yaml": "seeds: posts\nout: site\n", "conf/posts/a.txt": post},
			stdout: []string{"1 post published"},
			check: func(t *testing.T, dir, _, _ string) {
				mustExist(t, dir, "conf/site/rss.xml")
				mustNotExist(t, dir, "site")
			}},

		// Problems printed with paths that open from the working directory.
		{name: "problem path", args: []string{"check", "{rel}/posts"}, code: 1,
			files: map[string]string{"posts/sub/a.md": "---\ntitle: x\ndate: someday\n---\n"},
			check: func(t *testing.T, dir, _, stderr string) {
				path, _, ok := strings.Cut(stderr, ":3: date: cannot read date")
				if !ok {
					t.Fatalf("got %q, want path:3: date: cannot read date", stderr)
				}
				if filepath.IsAbs(path) {
					t.Errorf("got %s, want the path relative to the working directory, as the folder was given", path)
				}
				if _, err := os.Stat(path); err != nil {
					t.Errorf("the printed path does not open from the working directory: %v", err)
				}
			}},

		// The output folder named in errors, not a file inside it.
		{name: "out is a file", args: []string{"build", "{dir}/posts", "-out", "{dir}/afile"}, code: 2,
			files: map[string]string{"posts/a.txt": post, "afile": "x"}},
		{name: "out has a file for a folder", args: []string{"build", "{dir}/posts", "-out", "{dir}/out"}, code: 2,
			files: map[string]string{"posts/a.txt": post, "out/categories": "x"}},

		// One rule for limit: flag and config (the query is in
		// TestServeStartAndStop).
		{name: "-limit 0", args: []string{"check", "-limit", "0", "{dir}"}, code: 2, stderr: []string{limitMsg}},
		{name: "-limit 10001", args: []string{"check", "-limit", "10001", "{dir}"}, code: 2, stderr: []string{`limit: want a whole number from 1 to 10000, got "10001"`}},
		{name: "limit: 0", args: []string{"check", "-config", "{dir}/feedpub.yaml", "{dir}"}, code: 2,
			files: map[string]string{"feedpub.yaml": "limit: 0\n"}},

		// Streams and plurals.
		{name: "build streams", args: []string{"build", "{dir}/posts", "-out", "{dir}/out"},
			files:  map[string]string{"posts/a.txt": plain, "posts/b.txt": "---\ntitle: x\n---\n"},
			stdout: []string{"1 post published (1 rejected) in 1 feed; "}, stderr: []string{filepath.Join("posts", "b.txt") + ":2: no date"},
			never: []string{" 1 posts", " 1 feeds", " 1 files"},
			check: func(t *testing.T, dir, stdout, stderr string) {
				if strings.Contains(stdout, "b.txt") || strings.Contains(stderr, "published") {
					t.Errorf("streams mixed: stdout %q, stderr %q", stdout, stderr)
				}
			}},
		{name: "check streams", args: []string{"check", "{dir}"}, code: 1,
			files:  map[string]string{"a.txt": plain, "b.txt": "---\ntitle: x\n---\n"},
			stdout: []string{"2 files, 1 post read, 1 rejected"}, stderr: []string{"b.txt:2: no date"},
			check: func(t *testing.T, dir, stdout, stderr string) {
				if strings.Contains(stdout, "b.txt") || strings.Contains(stderr, "rejected") {
					t.Errorf("streams mixed: stdout %q, stderr %q", stdout, stderr)
				}
			}},

		// check warns about what was most likely a mistake.
		{name: "check warnings", args: []string{"check", "{dir}"},
			files: map[string]string{
				"d1.txt": "---\ntitle: d1\ndate: 2024-01-20\ndraft: 1\n---\n",
				"d2.txt": "---\ntitle: d2\ndate: 2024-01-20\ndraft: \"yes\"\n---\n",
				"d3.txt": "---\ntitle: d3\ndate: 2024-01-20\ndraft: maybe\n---\n",
				"l.txt":  "---\ntitle: l\ndate: 2024-01-20\nlink: javascript:alert(1)\n---\n",
				"ok.txt": "---\ntitle: ok\ndate: 2024-01-20\ndraft: false\nlink: /about/\n---\n",
			},
			stdout: []string{"5 files, 5 posts read, 0 rejected"},
			stderr: []string{
				`d1.txt:4: warning: draft: "1" is not a boolean: read as true (write draft: true)`,
				`d2.txt:4: warning: draft: "yes" is not a boolean: read as true`,
				`d3.txt:4: warning: draft: "maybe" is not true or false: ignored`,
				`l.txt:4: warning: link "javascript:alert(1)" is not an http(s) URL`,
			},
			never: []string{"ok.txt"}},
		{name: "date formats", args: []string{"check", "{dir}"}, code: 1,
			files:  map[string]string{"a.txt": "---\ntitle: x\ndate: 20/01/2024\n---\n"},
			stderr: []string{"a.txt:3: date: cannot read date \"20/01/2024\"", "Mon, 02 Jan 2006 15:04:05 MST", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02 15:04;", "2006-01-02;", "2006/1/2"}},

		// A seed folder that is not there.
		{name: "serve missing folder", args: []string{"serve", "{dir}/nope", "-addr", "127.0.0.1:0"}, code: 2},
		{name: "build missing folder", args: []string{"build", "{dir}/nope", "-out", "{dir}/out"}, code: 2},

		// build's own ttl.
		{name: "build ttl default", args: []string{"build", "{dir}/posts", "-out", "{dir}/out", "-config", "{dir}/feedpub.yaml"},
			files: map[string]string{"posts/a.txt": post, "feedpub.yaml": "schedule: '@every 1m'\n"},
			check: func(t *testing.T, dir, _, _ string) { mustContain(t, dir, "out/rss.xml", "<ttl>60</ttl>") }},
		{name: "build_ttl", args: []string{"build", "{dir}/posts", "-out", "{dir}/out", "-config", "{dir}/feedpub.yaml"},
			files: map[string]string{"posts/a.txt": post, "feedpub.yaml": "schedule: '@every 1m'\nbuild_ttl: 30m\n"},
			check: func(t *testing.T, dir, _, _ string) { mustContain(t, dir, "out/rss.xml", "<ttl>30</ttl>") }},
		{name: "bad build_ttl", args: []string{"build", "{dir}", "-config", "{dir}/feedpub.yaml"}, code: 2,
			files: map[string]string{"feedpub.yaml": "build_ttl: 10s\n"}},
		{name: "bad tombstones", args: []string{"build", "{dir}", "-config", "{dir}/feedpub.yaml"}, code: 2,
			files: map[string]string{"feedpub.yaml": "limit: 5\ntombstones: 3w\n"}},

		// Poll hints: the ttl from the posts' dates, in place of build_ttl.
		{name: "poll_hints", args: []string{"build", "{dir}/posts", "-out", "{dir}/out", "-config", "{dir}/feedpub.yaml"},
			files: pollHintFiles(25, "poll_hints:\n  min: 10m\n  max: 3h\n"),
			check: func(t *testing.T, dir, _, _ string) { mustContain(t, dir, "out/rss.xml", "<ttl>120</ttl>") }},
		{name: "poll_hints bounded", args: []string{"build", "{dir}/posts", "-out", "{dir}/out", "-config", "{dir}/feedpub.yaml"},
			files: pollHintFiles(25, "poll_hints: {max: 1h}\n"),
			check: func(t *testing.T, dir, _, _ string) { mustContain(t, dir, "out/rss.xml", "<ttl>60</ttl>") }},
		{name: "bad poll_hints", args: []string{"build", "{dir}", "-config", "{dir}/feedpub.yaml"}, code: 2,
			files: map[string]string{"feedpub.yaml": "poll_hints:\n  min: 10s\n"}},
		{name: "bad poll_hints duration", args: []string{"build", "{dir}", "-config", "{dir}/feedpub.yaml"}, code: 2,
			files: map[string]string{"feedpub.yaml": "poll_hints:\n  min: 1m\n  max: often\n"}},
		{name: "poll_hints typo", args: []string{"build", "{dir}", "-config", "{dir}/feedpub.yaml"}, code: 2,
			files: map[string]string{"feedpub.yaml": "poll_hints:\n  mx: 1h\n"}},
	}
	wantErr := map[string]string{
		"unknown site key":            "feedpub.yaml:3: `titel` is not a key of `site`; did you mean `title`? valid: title, description, url, language, author",
		"wrong kind":                  "feedpub.yaml:1: limit: want a whole number, got \"many\"",
		"bad template":                "feedpub.yaml:1: {dir}/tpl: templates: feed: page of sample0.md: template: post.html:3:2: executing \"post.html\" at <.Nope>",
		"bad taxonomy":                "feedpub.yaml:2: taxonomy \"tagz\": want one of categories, tags, authors",
		"out is a file":               "cannot write to {dir}/afile/: not a directory",
		"out has a file for a folder": "cannot write to {dir}/out/categories", // or categories/a/, as the writers race
		"limit: 0":                    "feedpub.yaml:1: " + limitMsg,
		"serve missing folder":        "seed folder {dir}/nope does not exist",
		"build missing folder":        "seed folder {dir}/nope does not exist",
		"bad build_ttl":               `feedpub.yaml:1: build_ttl "10s": want a duration of a minute or more`,
		"bad tombstones":              `feedpub.yaml:2: tombstones "3w": want a duration such as 30d or 720h, or 0 for none`,
		"bad poll_hints":              `feedpub.yaml:1: poll_hints: min 10s, max 6h0m0s: want a min of a minute or more`,
		"bad poll_hints duration":     `feedpub.yaml:3: poll_hints.max "often": want a duration such as 6h`,
		"poll_hints typo":             "feedpub.yaml:2: `mx` is not a key of `poll_hints`; did you mean `max`? valid: min, max",
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rel, err := filepath.Rel(wd, dir)
			if err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, tc.files)
			fill := func(s string) string {
				return strings.NewReplacer("{dir}", dir, "{rel}", rel).Replace(s)
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = fill(a)
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err = run(ctx, args, &stdout, &stderr)
			if code := exitCode(err); code != tc.code {
				t.Errorf("%v: got exit status %d (%v), want %d\nstderr: %s", args, code, err, tc.code, stderr.String())
			}
			if w, ok := wantErr[tc.name]; ok && (err == nil || !strings.Contains(err.Error(), fill(w))) {
				t.Errorf("got error %v, want one containing %q", err, fill(w))
			}
			if err != nil && strings.Contains(err.Error(), ".feedpub-tmp") {
				t.Errorf("error %q names a temporary file", err)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout.String(), fill(w)) {
					t.Errorf("stdout %q lacks %q", stdout.String(), fill(w))
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr.String(), fill(w)) {
					t.Errorf("stderr %q lacks %q", stderr.String(), fill(w))
				}
			}
			for _, w := range tc.never {
				if strings.Contains(stdout.String()+stderr.String(), w) {
					t.Errorf("output holds %q:\n%s%s", w, stdout.String(), stderr.String())
				}
			}
			if tc.check != nil {
				tc.check(t, dir, stdout.String(), stderr.String())
			}
		})
	}
}

func mustExist(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func mustNotExist(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: got %v, want it not to exist", n, err)
		}
	}
}

func mustContain(t *testing.T, dir, name, want string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), want) {
		t.Errorf("%s lacks %q", name, want)
	}
}

// TestServeStartAndStop runs serve as a user would: DIR with flags after
// it, a one-second schedule. It checks the log (one rebuild at start-up;
// scheduled rebuilds that changed nothing not at info level; a shutdown
// line with its reason) and that ?limit= follows the limit rule.
func TestServeStartAndStop(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"posts/a.txt":  "---\ntitle: One\ndate: 2024-01-20 08:00\n---\n<p>one</p>\n",
		"feedpub.yaml": "schedule: '@every 1s'\n",
	})
	ctx, cancel := context.WithCancelCause(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", filepath.Join(dir, "posts"), "-addr", "127.0.0.1:0", "-config", filepath.Join(dir, "feedpub.yaml")}, io.Discard, logs)
	}()
	addrRe := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" || !healthy(base); time.Sleep(20 * time.Millisecond) {
		if m := addrRe.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not healthy after 30s:\n%s", logs.String())
		}
	}
	resp, err := http.Get(base + "/rss.xml?limit=0")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `limit: want a whole number from 1 to 10000, got "0"`; resp.StatusCode != 400 || !strings.Contains(string(body), want) {
		t.Errorf("?limit=0: got %d %q, want 400 and %q", resp.StatusCode, body, want)
	}

	time.Sleep(2500 * time.Millisecond) // two ticks of the schedule at least
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`feedpub_rebuilds_total (\d+)`).FindSubmatch(body)
	if n, _ := strconv.Atoi(string(m[1])); m == nil || n < 3 {
		t.Errorf("got %s rebuilds, want the first and two scheduled", m[1])
	}
	if n := strings.Count(logs.String(), "msg=rebuilt"); n != 1 {
		t.Errorf("got %d rebuilds logged at info level, want 1 (one at start-up; scheduled ones that changed nothing at debug):\n%s", n, logs.String())
	}

	cancel(errors.New("the test is over"))
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if want := `msg="shutting down" reason="the test is over"`; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs.String())
	}
}

func healthy(base string) bool {
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// TestREADMECommands checks that the README's command table names every
// flag of every command, that its Configuration table lists every key,
// and that its Install section gives the Go version go.mod asks for.
func TestREADMECommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if m := regexp.MustCompile("^\\| `feedpub (\\w+)").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	flagRe := regexp.MustCompile(`(?m)^  -([\w-]+)`)
	for name := range commands {
		var stderr bytes.Buffer
		if err := run(context.Background(), []string{name, "-h"}, io.Discard, &stderr); err != nil {
			t.Fatalf("%s -h: %v", name, err)
		}
		flags := flagRe.FindAllStringSubmatch(stderr.String(), -1)
		if len(flags) == 0 {
			t.Fatalf("%s -h printed %d flags:\n%s", name, len(flags), stderr.String())
		}
		row, ok := rows[name]
		if !ok {
			t.Errorf("README: no row for feedpub %s in the command table", name)
			continue
		}
		for _, f := range flags {
			if !regexp.MustCompile("`-" + f[1] + "[ `]").MatchString(row) {
				t.Errorf("README: the row of feedpub %s lacks -%s", name, f[1])
			}
		}
	}

	var keys []string
	top := reflect.TypeOf(fileConfig{})
	for _, k := range yamlNames(top) {
		if f, _ := top.FieldByName(fieldOf(top, k)); f.Type.Kind() == reflect.Struct {
			for _, sub := range yamlNames(f.Type) {
				keys = append(keys, k+"."+sub)
			}
			continue
		}
		keys = append(keys, k)
	}
	for _, k := range keys {
		if !regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(k) + "` \\| [^|]+ \\| [^|]+ \\|$").Match(readme) {
			t.Errorf("README: the Configuration table has no row | `%s` | default | meaning |", k)
		}
	}

	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(gomod)
	install := string(readme)[strings.Index(string(readme), "## Install"):]
	install = install[:strings.Index(install, "\n## Commands")]
	for _, w := range []string{"go install ./cmd/feedpub", "Go " + string(goVersion[1]), "`go " + string(goVersion[1]) + "` in `go.mod`"} {
		if !strings.Contains(install, w) {
			t.Errorf("README's Install section lacks %q", w)
		}
	}
}

// fieldOf is the name of the field of t whose yaml key is key.
func fieldOf(t reflect.Type, key string) string {
	return t.Field(yamlKeys(t)[key]).Name
}

// pollHintFiles are n posts two hours apart and the configuration conf.
func pollHintFiles(n int, conf string) map[string]string {
	files := map[string]string{"feedpub.yaml": conf}
	t0 := time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC)
	for i := range n {
		d := t0.Add(time.Duration(2*i) * time.Hour).Format("2006-01-02 15:04")
		files[fmt.Sprintf("posts/p%02d.txt", i)] = fmt.Sprintf("---\ntitle: p%d\ndate: %s\n---\n<p>x</p>\n", i, d)
	}
	return files
}
