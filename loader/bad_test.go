package loader

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"feedpub/internal/feedtest/rejected"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// badPosts are files every one of which must be rejected (the table all
// packages' tests share).
var badPosts = rejected.Posts

// problemForm is path:line: message.
var problemForm = regexp.MustCompile(`^[^:]+:[1-9][0-9]*: \S`)

func TestParseRejects(t *testing.T) {
	for _, tc := range badPosts {
		t.Run(tc.Name, func(t *testing.T) {
			post, _, err := Parse("posts/"+tc.Name, []byte(tc.Text), Options{})
			if err == nil {
				t.Fatalf("accepted (title %q); want a rejection containing %q", post.Title, tc.Want)
			}
			if post != nil {
				t.Errorf("got a post beside the error %v", err)
			}
			prob, ok := err.(*Problem)
			if !ok {
				t.Fatalf("got error of type %T, want *Problem", err)
			}
			msg := prob.Error()
			if !problemForm.MatchString(msg) {
				t.Errorf("got %q, want the form path:line: message", msg)
			}
			if want := fmt.Sprintf("posts/%s:%d: ", tc.Name, tc.Line); !strings.HasPrefix(msg, want) {
				t.Errorf("got %q, want it to start with %q", msg, want)
			}
			if !strings.Contains(msg, tc.Want) {
				t.Errorf("got %q, want it to contain %q", msg, tc.Want)
			}
			if prob.Warn {
				t.Errorf("got a warning, want a rejection")
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("---\ntitle: 央行宣布降准，释放长期资金\ndate: 2024-01-20 08:00\ncategories: [金融]\n---\n<p>中国人民银行决定下调金融机构存款准备金率。</p>\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		opt        Options
		title      string
		cats       []string
		warn       string // a warning containing this, or none when ""
	}{
		{"bom.md", "\ufeff---\ntitle: BOM\ndate: 2024-01-01\n---\nbody\n", Options{}, "BOM", nil, ""},
		{"crlf.md", "---\r\ntitle: CRLF\r\ndate: 2024-01-01\r\ncategories:\r\n - a\r\n---\r\nbody\r\n", Options{}, "CRLF", []string{"a"}, ""},
		{"bom-crlf.txt", "\ufeff---\r\ntitle: both\r\ndate: 2024-01-01\r\n---\r\n", Options{}, "both", nil, ""},
		{"gb18030.html", gb, Options{}, "央行宣布降准，释放长期资金", []string{"金融"}, ""},
		{"hello-world.md", "---\ndate: 2024-01-01\n---\nbody\n", Options{}, "hello world", nil, "no title"},
		{"null-title_2.md", "---\ntitle:\ndate: 2024-01-01\n---\n", Options{}, "null title 2", nil, "no title"},
		{"mtime.md", "---\ntitle: x\n---\n", Options{ModTime: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}, "x", nil, "modification time"},
		{"controls.md", "---\ntitle: \"a\\x01b\\x1fc\\uFFFE\"\ndate: 2024-01-01\ncategories: [\"d\\x02\"]\n---\nbo\x01dy\x7f\n", Options{}, "abc", []string{"d"}, ""},
		{"number-title.md", "---\ntitle: 2024\ndate: 2024-01-01\n---\n", Options{}, "2024", nil, ""},
		{"alias-ok.md", "---\nt: &t Shared\ntitle: *t\ndate: 2024-01-01\ncategories: [*t, *t]\n---\n", Options{}, "Shared", []string{"Shared"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			post, warns, err := Parse(tc.name, []byte(tc.text), tc.opt)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if post.Title != tc.title {
				t.Errorf("got title %q, want %q", post.Title, tc.title)
			}
			if fmt.Sprint(post.Categories) != fmt.Sprint(tc.cats) && len(post.Categories)+len(tc.cats) > 0 {
				t.Errorf("got categories %q, want %q", post.Categories, tc.cats)
			}
			for _, s := range append([]string{post.Title, post.Body}, post.Categories...) {
				if StripInvalidXML(s) != s {
					t.Errorf("got %q, which holds characters XML cannot carry", s)
				}
				if strings.ContainsAny(s, "\ufeff\r") {
					t.Errorf("got %q, which holds a BOM or a carriage return", s)
				}
			}
			switch {
			case tc.warn == "" && len(warns) > 0:
				t.Errorf("got warnings %v, want none", warns)
			case tc.warn != "":
				if len(warns) != 1 || !strings.Contains(warns[0].Msg, tc.warn) || !warns[0].Warn {
					t.Fatalf("got warnings %v, want one containing %q", warns, tc.warn)
				}
				if !problemForm.MatchString(warns[0].Error()) {
					t.Errorf("got %q, want the form path:line: message", warns[0].Error())
				}
			}
			if !tc.opt.ModTime.IsZero() && !post.Date.Equal(tc.opt.ModTime) {
				t.Errorf("got date %v, want the modification time %v", post.Date, tc.opt.ModTime)
			}
		})
	}
}

// writeFiles writes name -> content under dir.
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

// scan runs one Scan, failing the test if it does not end: link loops must
// terminate.
func scan(t *testing.T, cfg Config) *Result {
	t.Helper()
	done := make(chan struct{})
	var res *Result
	var err error
	go func() {
		defer close(done)
		res, err = New(cfg).Scan(context.Background())
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Scan did not return within a minute")
	}
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return res
}

func goodPost(i int) string {
	return fmt.Sprintf("---\ntitle: Good %d\ndate: 2024-01-%02d 08:00\ncategories: [ok]\n---\n<p>good %d</p>\n", i, i%28+1, i)
}

// TestScanRejectsBadKeepsGood puts every bad file beside good posts: each
// bad one is reported as path:line: message, every good one is read.
func TestScanRejectsBadKeepsGood(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("good/%02d.md", i)] = goodPost(i)
	}
	for _, tc := range badPosts {
		files["bad/"+tc.Name] = tc.Text
	}
	writeFiles(t, root, files)

	// Over the default 4 MB limit: a sparse file of 1 TB. Reading it whole
	// would take hours; the size is checked first.
	huge := filepath.Join(root, "bad", "huge.md")
	writeFiles(t, root, map[string]string{"bad/huge.md": goodPost(99)})
	if err := os.Truncate(huge, 1<<40); err != nil {
		t.Fatal(err)
	}

	res := scan(t, Config{Root: root})
	var titles []string
	for _, p := range res.Posts {
		titles = append(titles, p.Title)
		if !strings.HasPrefix(p.Path, "good/") {
			t.Errorf("got post %s (%q) published, want it rejected", p.Path, p.Title)
		}
	}
	if len(res.Posts) != 20 {
		t.Errorf("got %d posts %q, want the 20 good ones", len(res.Posts), titles)
	}
	rejected := map[string]string{}
	for _, pr := range res.Problems {
		if pr.Warn {
			t.Errorf("got warning %v, want none", pr)
			continue
		}
		rejected[pr.Path] = pr.Error()
		if !problemForm.MatchString(pr.Error()) {
			t.Errorf("got %q, want the form path:line: message", pr.Error())
		}
	}
	for _, tc := range badPosts {
		msg, ok := rejected["bad/"+tc.Name]
		if !ok {
			t.Errorf("bad/%s: no problem reported", tc.Name)
			continue
		}
		if want := fmt.Sprintf("bad/%s:%d: ", tc.Name, tc.Line); !strings.HasPrefix(msg, want) || !strings.Contains(msg, tc.Want) {
			t.Errorf("got %q, want %q…%q", msg, want, tc.Want)
		}
	}
	if msg := rejected["bad/huge.md"]; !strings.Contains(msg, fmt.Sprint(int64(1<<40))) || !strings.Contains(msg, "limit") {
		t.Errorf("got %q for a 1 TB file, want its size and the limit (checked before reading)", msg)
	}
	if got, want := len(rejected), len(badPosts)+1; got != want {
		t.Errorf("got %d files rejected, want %d", got, want)
	}
}

func TestScanSizeLimitConfigurable(t *testing.T) {
	root := t.TempDir()
	small, big := goodPost(1), goodPost(2)+strings.Repeat("x", 500)
	writeFiles(t, root, map[string]string{"small.md": small, "big.md": big})
	res := scan(t, Config{Root: root, MaxSize: int64(len(small) + 10)})
	if len(res.Posts) != 1 || res.Posts[0].Path != "small.md" {
		t.Fatalf("got posts %v, want small.md only", res.Posts)
	}
	if len(res.Problems) != 1 || res.Problems[0].Path != "big.md" || !strings.Contains(res.Problems[0].Msg, "limit") {
		t.Fatalf("got problems %v, want big.md over the limit", res.Problems)
	}
	if !problemForm.MatchString(res.Problems[0].Error()) {
		t.Errorf("got %q, want the form path:line: message", res.Problems[0].Error())
	}
}

func TestScanModTimeDates(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"undated.md": "---\ntitle: undated\n---\nbody\n"})
	mtime := time.Date(2023, 4, 5, 6, 7, 8, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "undated.md"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	res := scan(t, Config{Root: root})
	if len(res.Posts) != 0 || len(res.Problems) != 1 || res.Problems[0].Warn {
		t.Fatalf("default: got posts %v, problems %v; want the undated post rejected", res.Posts, res.Problems)
	}
	res = scan(t, Config{Root: root, ModTimeDates: true})
	if len(res.Posts) != 1 || !res.Posts[0].Date.Equal(mtime) {
		t.Fatalf("modtime_dates: got posts %v, want one dated %v", res.Posts, mtime)
	}
	if len(res.Problems) != 1 || !res.Problems[0].Warn || !strings.Contains(res.Problems[0].Msg, "modification time") {
		t.Errorf("modtime_dates: got problems %v, want one warning about the modification time", res.Problems)
	}
}

func TestScanSymlinks(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "seeds")
	outside := filepath.Join(base, "outside")
	writeFiles(t, root, map[string]string{"in/a.md": goodPost(1), "b.md": goodPost(2)})
	writeFiles(t, outside, map[string]string{"secret.md": "---\ntitle: SECRET\ndate: 2024-01-01\n---\nsecret\n", "dir/s2.md": "---\ntitle: SECRET2\ndate: 2024-01-01\n---\n"})
	links := map[string]string{
		"to-secret.md":   filepath.Join(outside, "secret.md"), // a file outside
		"to-outside":     outside,                             // a folder outside
		"rel-outside.md": "../outside/secret.md",              // relative, outside
		"to-dev-zero.md": "/dev/zero",                         // would never end
		"to-etc":         "/etc",
		"in/to-b.md":     "../b.md", // inside: followed
		"in/loop":        "..",      // a loop through the root
		"in/self":        "self",    // a link to itself
		"ping":           "pong",    // two links to each other
		"pong":           "ping",
		"in/deep/up":     "../..",
		"dangling.md":    "nowhere.md",
	}
	for name, target := range links {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	// A named pipe would block a reader for ever: neither it nor a link to
	// it is read.
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../pipe.md", filepath.Join(root, "in", "to-pipe.md")); err != nil {
		t.Fatal(err)
	}
	res := scan(t, Config{Root: root})
	got := map[string]bool{}
	for _, p := range res.Posts {
		if strings.Contains(p.Title, "SECRET") {
			t.Errorf("got %s (%q) read from outside the seed folder", p.Path, p.Title)
		}
		got[p.Path] = true
	}
	for _, want := range []string{"in/a.md", "b.md", "in/to-b.md"} {
		if !got[want] {
			t.Errorf("post %s not read; got %v", want, got)
		}
	}
	warned := map[string]string{}
	for _, pr := range res.Problems {
		if !pr.Warn {
			t.Errorf("got rejection %v, want only warnings", pr)
		}
		warned[pr.Path] = pr.Msg
	}
	for _, name := range []string{"to-secret.md", "to-outside", "rel-outside.md", "to-dev-zero.md", "to-etc"} {
		if !strings.Contains(warned[name], "outside the seed folder") {
			t.Errorf("%s: got %q, want a warning that it points outside the seed folder", name, warned[name])
		}
	}
	for _, name := range []string{"in/self", "ping", "pong", "dangling.md"} {
		if warned[name] == "" {
			t.Errorf("%s: got no warning, want one (broken link)", name)
		}
	}
}

// TestScanSeedFolderIsLink: the seed folder itself may be a link; posts
// inside its target are read as inside.
func TestScanSeedFolderIsLink(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, filepath.Join(base, "real"), map[string]string{"a.md": goodPost(1)})
	if err := os.Symlink(filepath.Join(base, "real"), filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	res := scan(t, Config{Root: filepath.Join(base, "link")})
	if len(res.Posts) != 1 || len(res.Problems) != 0 {
		t.Fatalf("got posts %v, problems %v; want a.md alone", res.Posts, res.Problems)
	}
}

func TestParseDateOffsets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Thu, 02 Sep 2021 06:40:00 +0000", "2021-09-02T06:40:00Z"},
		{"Thu, 02 Sep 2021 06:40:00 +0100", "2021-09-02T05:40:00Z"},
		{"Thu, 02 Sep 2021 06:40:00 -0500", "2021-09-02T11:40:00Z"},
		{"Thu, 2 Sep 2021 06:40:00 +0000", "2021-09-02T06:40:00Z"},
		{"2 Sep 2021 06:40:00 +0000", "2021-09-02T06:40:00Z"},
		{"Thu, 02 Sep 2021 06:40:00 GMT", "2021-09-02T06:40:00Z"},
		{"Thu, 02 Sep 2021 06:40:00 UTC", "2021-09-02T06:40:00Z"},
		{"Thu, 02 Sep 2021 06:40:00 CST", "2021-09-01T22:40:00Z"}, // ambiguous: read in the configured zone
		{"2021-09-02 06:40", "2021-09-01T22:40:00Z"},
		{"2021-09-02T06:40:00+02:00", "2021-09-02T04:40:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			d, err := ParseDate(tc.in, time.FixedZone("CST", 8*3600))
			if err != nil {
				t.Fatal(err)
			}
			if got := d.UTC().Format(time.RFC3339); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// xmlClean and checkText are fast paths: they must say clean exactly when
// decoding rune by rune finds nothing XML forbids (checkText, and valid
// exactly when utf8.Valid does).
func TestXMLCleanAgreesWithRunes(t *testing.T) {
	slow := func(s string) bool {
		for i, r := range s {
			if (r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD")) || !validXMLRune(r) {
				return false
			}
		}
		return true
	}
	cases := []string{"", "plain", "tab\tnl\ncr\r", "\x00", "\x1f", "\x7f", "中文，标点。", "\uFFFD", "\uFFFE", "\uFFFF",
		"\uFFFC", "\xef\xbf", "\xef", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xff", "\U0001F600", "x\uFFFEy"}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0, '\t', '\n', 'a', 0x1f, 0x7f, 0xef, 0xbf, 0xbe, 0xbd, 0xe4, 0xb8, 0xad, 0xed, 0xa0, 0x80, 0xff}
	for range 20000 {
		b := make([]byte, rnd.IntN(8))
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	// Longer runs of ASCII, for xmlCleanUTF8's 8 bytes at a time, and
	// longer texts, for checkText's 32 (some of a CJK text, one byte changed).
	long := append([]byte("abcdefgh ~"), alphabet...)
	for range 20000 {
		b := make([]byte, rnd.IntN(40))
		for i := range b {
			b[i] = long[rnd.IntN(len(long))]
		}
		cases = append(cases, string(b))
	}
	cjk := []byte(strings.Repeat("中文，标点。abc\n￥ ", 12))
	for range 5000 {
		b := slices.Clone(cjk[rnd.IntN(4) : 4+rnd.IntN(len(cjk)-4)])
		if rnd.IntN(4) > 0 {
			b[rnd.IntN(len(b))] = alphabet[rnd.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := xmlClean(s), slow(s); got != want {
			t.Errorf("xmlClean(%q) = %v, want %v", s, got, want)
		}
		valid, clean := checkText([]byte(s))
		if valid != utf8.ValidString(s) || valid && clean != slow(s) {
			t.Errorf("checkText(%q) = %v, %v; want %v, %v", s, valid, clean, utf8.ValidString(s), slow(s))
		}
	}
}
