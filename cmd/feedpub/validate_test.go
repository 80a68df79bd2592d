package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/validate"
	"feedpub/loader"
)

// The seed folders feedpub build and serve are checked on.
const (
	seedsDir   = "../../seeds"
	hostileDir = "../../testdata/hostile"
)

// writeTestConfig writes a feedpub.yaml for the tests: the site's URL and
// a schedule whose period RSS ttl must follow.
func writeTestConfig(t *testing.T, url, addr, schedule string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "feedpub.yaml")
	data := fmt.Sprintf("site:\n  url: %q\n  title: \"Validity & <tests>\"\nschedule: %q\n", url, schedule)
	if addr != "" {
		data += fmt.Sprintf("addr: %q\n", addr)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// expectFeeds works out from the posts alone what each feed must hold.
func expectFeeds(t *testing.T, dir string, now time.Time) map[string]*validate.Want {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai") // the default timezone
	if err != nil {
		t.Fatal(err)
	}
	res, err := loader.New(loader.Config{Root: dir, Location: loc}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return validate.Expect(res.Posts, now, 50, feed.Slug)
}

// readFeeds reads every feed file under out: site path -> bytes.
func readFeeds(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(out, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, name)
		p := "/" + filepath.ToSlash(rel)
		if validate.FormatOf(p) == "" {
			return nil
		}
		files[p], err = os.ReadFile(name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBuildFeedsValid runs feedpub build on the seeds and on the hostile
// posts and checks every feed it writes: strict XML, gofeed, the format
// rules, the expected items, jing and feedparser. A second build of the
// same input must write the same bytes.
func TestBuildFeedsValid(t *testing.T) {
	const base = "https://feeds.example.org/新闻/"
	for _, c := range []struct{ name, dir string }{{"seeds", seedsDir}, {"hostile", hostileDir}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := writeTestConfig(t, base, "", "@every 30m")
			var outs []string
			for range 2 {
				out := t.TempDir()
				var stdout, stderr bytes.Buffer
				if err := run(context.Background(), []string{"build", "-config", cfg, "-seeds", c.dir, "-out", out, "-quiet"}, &stdout, &stderr); err != nil {
					t.Fatalf("build: %v\n%s", err, stderr.String())
				}
				outs = append(outs, out)
			}
			files := readFeeds(t, outs[0])
			want := expectFeeds(t, c.dir, time.Now())
			// The site URL's path is percent-encoded in every URL we write;
			// build's ttl is build_ttl's default (an hour), not the schedule's.
			validate.Site(t, files, want, "https://feeds.example.org/%E6%96%B0%E9%97%BB/", validate.Options{TTL: 60, Language: "zh-CN"})

			again := readFeeds(t, outs[1])
			for p, body := range files {
				if !bytes.Equal(again[p], body) {
					t.Errorf("%s: second build differs", p)
				}
			}
		})
	}
}

// TestBuildRejectsHostile: the hostile posts that cannot be represented
// (a raw control character in the front matter, bytes that are not
// UTF-8) are rejected with path:line: message, the others published,
// and -strict exits 1.
func TestBuildRejectsHostile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"build", "-seeds", hostileDir, "-out", t.TempDir(), "-strict"}, &stdout, &stderr)
	var ee exitError
	if !errors.As(err, &ee) || ee != 1 {
		t.Errorf("build -strict: got %v, want exit status 1", err)
	}
	for _, want := range []string{
		"h04_raw_control_in_yaml.txt:2: malformed YAML front matter: control characters are not allowed",
		"h05_invalid_utf8.txt:5: not valid UTF-8",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr:\n%s\nwant a line with %q", stderr.String(), want)
		}
	}
	if got := strings.Count(stderr.String(), "\n") - strings.Count(stderr.String(), "warning:"); got != 2 {
		t.Errorf("stderr:\n%s\ngot %d rejections, want 2", stderr.String(), got)
	}
	if !strings.Contains(stdout.String(), "13 posts published (2 rejected)") {
		t.Errorf("stdout %q, want 13 posts published (2 rejected)", stdout.String())
	}
}

// TestNewsboat serves the seeds and has newsboat, a real feed reader,
// reload each RSS and Atom feed into a cache of its own, non-interactively.
// Each cache must hold the feed's items (guid, title, date) and newsboat
// must log no error. Every feed is first fetched and its status and media
// type checked, with or without newsboat. (newsboat 2.21 reads no JSON
// Feed.)
func TestNewsboat(t *testing.T) {
	for _, c := range []struct{ name, dir string }{{"seeds", seedsDir}, {"hostile", hostileDir}} {
		t.Run(c.name, func(t *testing.T) { testNewsboat(t, c.dir) })
	}
}

func testNewsboat(t *testing.T, seeds string) {
	want := expectFeeds(t, seeds, time.Now())
	base, _ := startServe(t, "-config", writeTestConfig(t, "", "", "@every 30m"), "-seeds", seeds)

	dirs := make([]string, 0, len(want))
	for d := range want {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	// Each feed is reloaded into a cache of its own (newsboat keeps one
	// item per guid, whichever feed it came from), a few at a time.
	type job struct {
		p, dir, url string
		served      *validate.Feed
		items       []cachedItem
		err         error
	}
	var jobs []*job
	for _, dir := range dirs {
		for _, file := range []string{"rss.xml", "atom.xml", "feed.json"} {
			p := "/" + dir + file
			url := validate.URL(base, p)
			format := validate.FormatOf(p)
			body := get(t, url, map[string]string{"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}[format])
			if body == nil || format == "json" {
				continue
			}
			served, _ := validate.Check(format, body, validate.Options{})
			if served == nil {
				t.Errorf("%s: served feed unreadable", p)
				continue
			}
			jobs = append(jobs, &job{p: p, dir: dir, url: url, served: served})
		}
	}
	// Served with the right media types, the feeds go to newsboat.
	newsboat := validate.Tool(t, "newsboat")
	sqlite := validate.Tool(t, "sqlite3")
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, j := range jobs {
		home := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			j.items, j.err = newsboatReload(home, newsboat, sqlite, j.url)
		}()
	}
	wg.Wait()
	for _, j := range jobs {
		if j.err != nil {
			t.Errorf("%s: %v", j.p, j.err)
			continue
		}
		compareCache(t, j.p, j.items, j.served, want[j.dir])
	}
	t.Logf("newsboat: %d feeds reloaded", len(jobs))
}

// get fetches url and checks the status and media type.
func get(t *testing.T, url, mediaType string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: status %d, %v", url, resp.StatusCode, err)
		return nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, mediaType) {
		t.Errorf("GET %s: Content-Type %q, want %s", url, ct, mediaType)
	}
	return body
}

// cachedItem is a row of newsboat's rss_item table.
type cachedItem struct {
	GUID    string `json:"guid"`
	Title   string `json:"title"`
	PubDate int64  `json:"pubDate"`
	FeedURL string `json:"feedurl"`
}

// newsboatReload runs `newsboat -x reload` on url alone, with its own
// urls file, cache, configuration and home, and returns the items of its
// cache. It works in the folder home. An error logged by newsboat is an
// error.
func newsboatReload(home, newsboat, sqlite, url string) ([]cachedItem, error) {
	urls, cache, conf, errLog := filepath.Join(home, "urls"), filepath.Join(home, "cache.db"), filepath.Join(home, "config"), filepath.Join(home, "error.log")
	if err := os.WriteFile(urls, []byte(url+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("error-log %q\nreload-threads 1\n", errLog)), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, newsboat, "-x", "reload", "-u", urls, "-c", cache, "-C", conf)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home, "TERM=dumb")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("newsboat -x reload: %v: %s", err, out)
	}
	if logged, err := os.ReadFile(errLog); err == nil && len(bytes.TrimSpace(logged)) > 0 {
		return nil, fmt.Errorf("newsboat logged: %s", logged)
	}
	out, err := exec.CommandContext(ctx, sqlite, "-json", cache, "SELECT guid, title, pubDate, feedurl FROM rss_item ORDER BY pubDate DESC, guid").Output()
	if err != nil {
		return nil, fmt.Errorf("sqlite3 %s: %v", cache, err)
	}
	var items []cachedItem
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &items); err != nil {
			return nil, fmt.Errorf("reading sqlite3 -json: %v", err)
		}
	}
	return items, nil
}

// compareCache checks that newsboat's cache holds exactly the items of
// the served feed, with the titles and dates the posts give.
func compareCache(t *testing.T, p string, items []cachedItem, served *validate.Feed, want *validate.Want) {
	t.Helper()
	if len(items) != len(want.Items) {
		t.Errorf("%s: newsboat cached %d items, want %d", p, len(items), len(want.Items))
	}
	byGUID := map[string]cachedItem{}
	for _, it := range items {
		byGUID[it.GUID] = it
	}
	for i, s := range served.Items {
		if i >= len(want.Items) {
			break
		}
		w := want.Items[i]
		got, ok := byGUID[s.ID]
		switch {
		case !ok:
			t.Errorf("%s: newsboat has no item %q (%s)", p, s.ID, w.Path)
		case got.Title != w.Title:
			t.Errorf("%s: newsboat item %q: title %q, want %q", p, s.ID, got.Title, w.Title)
		case got.PubDate != w.Published.Unix():
			t.Errorf("%s: newsboat item %q: pubDate %v, want %v", p, s.ID, time.Unix(got.PubDate, 0).UTC(), w.Published.UTC())
		}
	}
}

// TestBuildArchivesValid: with archives on, every feed and archive build
// writes passes the checks of its format, jing and feedparser.
func TestBuildArchivesValid(t *testing.T) {
	const base = "https://feeds.example.org/"
	cfg := filepath.Join(t.TempDir(), "feedpub.yaml")
	if err := os.WriteFile(cfg, []byte("site:\n  url: "+base+"\narchives: true\nlimit: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", "-config", cfg, "-seeds", seedsDir, "-out", out, "-quiet"}, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	files := readFeeds(t, out)
	n := 0
	for p := range files {
		if strings.Contains(p, "/archive/") {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no archive written")
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	res, err := loader.New(loader.Config{Root: seedsDir, Location: loc}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	validate.Site(t, files, validate.Expect(res.Posts, time.Now(), 3, feed.Slug), base, validate.Options{TTL: 60, Language: "zh-CN"})
}
