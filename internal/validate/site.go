package validate

import (
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// FeedDir is the folder of a feed file's site path: "" for "/rss.xml",
// "categories/<slug>/" for "/categories/<slug>/rss.xml".
func FeedDir(p string) string { return strings.TrimPrefix(p[:strings.LastIndex(p, "/")+1], "/") }

// URL is the absolute URL of a site path under base, each segment
// percent-encoded.
func URL(base, p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + strings.Join(segs, "/")
}

// Site checks every feed file of a site (site path -> bytes) against what
// the posts call for (want, from Expect): each feed present in all three
// formats and no other, each read back by Check and Compared, the same ids
// in every format. Then, as subtests that skip when the tool is missing,
// jing validates the Atom feeds against RFC 4287's schema and Python's feedparser
// reads the RSS and Atom feeds. opt gives TTL and Language; SelfURL is
// worked out from base. It returns the feeds as read.
func Site(t *testing.T, files map[string][]byte, want map[string]*Want, base string, opt Options) map[string]*Feed {
	t.Helper()
	files, archives := splitArchives(files)
	checkArchives(t, archives, base, opt)
	if got, w := len(files), 3*len(want); got != w {
		t.Errorf("got %d feed files, want %d (3 formats × %d feeds)", got, w, len(want))
	}
	parsed := map[string]*Feed{}
	for _, p := range sortedKeys(files) {
		w := want[FeedDir(p)]
		if w == nil {
			t.Errorf("%s: a feed no post calls for", p)
			continue
		}
		o := opt
		o.SelfURL = URL(base, p)
		f, errs := Check(FormatOf(p), files[p], o)
		for _, err := range errs {
			t.Errorf("%s: %v", p, err)
		}
		if f == nil {
			continue
		}
		for _, err := range Compare(f, w) {
			t.Errorf("%s: %v", p, err)
		}
		parsed[p] = f
	}
	for _, dir := range sortedKeys(want) {
		rss, atom, js := parsed["/"+dir+"rss.xml"], parsed["/"+dir+"atom.xml"], parsed["/"+dir+"feed.json"]
		if rss == nil || atom == nil || js == nil {
			t.Errorf("feed %q: missing or unreadable in some format", dir)
			continue
		}
		for _, other := range []*Feed{atom, js} {
			if err := SameIDs(rss, other); err != nil {
				t.Errorf("feed %q: %v", dir, err)
			}
		}
	}
	t.Run("jing", func(t *testing.T) { runJing(t, merge(files, archives)) })
	t.Run("feedparser", func(t *testing.T) {
		Python(t)
		names := writeFiles(t, merge(files, archives), "rss", "atom")
		got := Feedparser(t, sortedValues(names))
		for _, p := range sortedKeys(names) {
			res := got[names[p]]
			if res == nil {
				t.Errorf("%s: feedparser said nothing", p)
				continue
			}
			if res.Bozo {
				t.Errorf("%s: feedparser bozo: %s", p, res.BozoException)
			}
			format := FormatOf(p)
			if res.Version != WantVersion[format] {
				t.Errorf("%s: feedparser version %q, want %q", p, res.Version, WantVersion[format])
			}
			if archives[p] != nil {
				continue // what it holds: feed's TestArchivesReachEveryPost
			}
			f := res.Feed(format)
			for _, err := range Compare(f, want[FeedDir(p)]) {
				t.Errorf("%s: feedparser: %v", p, err)
			}
			if mine := parsed[p]; mine != nil {
				if err := SameIDs(mine, f); err != nil {
					t.Errorf("%s: feedparser: %v", p, err)
				}
			}
		}
		t.Logf("feedparser: %d feeds read", len(names))
	})
	return parsed
}

// checkArchives checks each archive document (what they hold together is
// feed's TestArchivesReachEveryPost).
func checkArchives(t *testing.T, archives map[string][]byte, base string, opt Options) {
	t.Helper()
	for _, p := range sortedKeys(archives) {
		o := opt
		o.SelfURL = URL(base, p)
		_, errs := Check(FormatOf(p), archives[p], o)
		for _, err := range errs {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// runJing validates the Atom feeds of files against RFC 4287's schema.
func runJing(t *testing.T, files map[string][]byte) {
	Tool(t, "jing")
	names := writeFiles(t, files, "atom")
	errs := Jing(t, sortedValues(names))
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("jing: %d Atom feeds, %d errors", len(names), len(errs))
}

// splitArchives tells the archive documents of feeds (RFC 5005:
// <feed folder>/archive/<k>/<file>) from the feeds.
func splitArchives(all map[string][]byte) (feeds, archives map[string][]byte) {
	feeds, archives = map[string][]byte{}, map[string][]byte{}
	for p, b := range all {
		if strings.Contains(p, "/archive/") {
			archives[p] = b
		} else {
			feeds[p] = b
		}
	}
	return feeds, archives
}

func merge(a, b map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// writeFiles writes the files of the given formats under a temporary
// folder and returns their names by site path.
func writeFiles(t *testing.T, files map[string][]byte, formats ...string) map[string]string {
	t.Helper()
	root := t.TempDir()
	out := map[string]string{}
	for p, body := range files {
		keep := false
		for _, f := range formats {
			keep = keep || FormatOf(p) == f
		}
		if !keep {
			continue
		}
		name := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out[p] = name
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}
