package loader

import (
	"context"
	"fmt"
	"golang.org/x/text/encoding/simplifiedchinese"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func titles(res *Result) []string {
	var out []string
	for _, p := range res.Posts {
		out = append(out, p.Path+"="+p.Title)
	}
	return out
}

// Update after a change gives what a fresh Scan gives, and reads only the
// files it was told about.
func TestUpdateMatchesScan(t *testing.T) {
	tests := []struct {
		name     string
		change   func(t *testing.T, root string) []string // returns the paths to Update
		wantRead int
	}{
		{"edit one", func(t *testing.T, root string) []string {
			writePost(t, filepath.Join(root, "a", "1.md"), "edited")
			return []string{filepath.Join(root, "a", "1.md")}
		}, 1},
		{"add one, relative path", func(t *testing.T, root string) []string {
			writePost(t, filepath.Join(root, "a", "new.md"), "new")
			return []string{"a/new.md"}
		}, 1},
		{"remove one", func(t *testing.T, root string) []string {
			os.Remove(filepath.Join(root, "b", "2.md"))
			return []string{filepath.Join(root, "b", "2.md")}
		}, 0},
		{"remove a folder", func(t *testing.T, root string) []string {
			os.RemoveAll(filepath.Join(root, "b"))
			return []string{filepath.Join(root, "b")}
		}, 0},
		{"new folder", func(t *testing.T, root string) []string {
			writePost(t, filepath.Join(root, "c", "x.md"), "x")
			writePost(t, filepath.Join(root, "c", "d", "y.md"), "y")
			return []string{filepath.Join(root, "c")}
		}, 2},
		{"post turned into a bad file", func(t *testing.T, root string) []string {
			os.WriteFile(filepath.Join(root, "a", "1.md"), []byte("no front matter"), 0o644)
			return []string{filepath.Join(root, "a", "1.md")}
		}, 1},
		{"new folder and its file both named", func(t *testing.T, root string) []string {
			writePost(t, filepath.Join(root, "c", "x.md"), "x")
			return []string{filepath.Join(root, "c", "x.md"), filepath.Join(root, "c")}
		}, 1},
		{"hidden file", func(t *testing.T, root string) []string {
			writePost(t, filepath.Join(root, "a", ".x.md"), "hidden")
			return []string{filepath.Join(root, "a", ".x.md")}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, p := range []string{"a/1.md", "a/2.md", "b/1.md", "b/2.md", "top.md"} {
				writePost(t, filepath.Join(root, filepath.FromSlash(p)), p)
			}
			ld := New(Config{Root: root})
			ctx := context.Background()
			if _, err := ld.Scan(ctx); err != nil {
				t.Fatal(err)
			}
			before := ld.Known()
			paths := tt.change(t, root)
			got, err := ld.Update(ctx, paths)
			if err != nil {
				t.Fatal(err)
			}
			if got.Changed == nil {
				t.Fatal("Update's Result.Changed is nil, as a Scan's")
			}
			if patched, after := knownPaths(patchKnown(before, got.Changed, ld.KnownOf(got.Changed))), knownPaths(ld.Known()); !slices.Equal(patched, after) {
				t.Errorf("Known before, with KnownOf(Changed %q): %q; Known after: %q", got.Changed, patched, after)
			}
			want, err := New(Config{Root: root}).Scan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(titles(got), titles(want)) {
				t.Errorf("got posts %q after Update, want %q as a fresh Scan gives", titles(got), titles(want))
			}
			if len(got.Problems) != len(want.Problems) {
				t.Errorf("got %d problems after Update, want %d", len(got.Problems), len(want.Problems))
			}
			if got.Files != want.Files {
				t.Errorf("got %d files after Update, want %d", got.Files, want.Files)
			}
			if got.Read != tt.wantRead {
				t.Errorf("got %d files read by Update, want %d", got.Read, tt.wantRead)
			}
		})
	}
}

// patchKnown is known with the files at changed replaced by what some
// holds of them (none for a file gone), sorted by path.
func patchKnown(known []Known, changed []string, some []Known) []Known {
	out := slices.DeleteFunc(slices.Clone(known), func(k Known) bool { return slices.Contains(changed, k.Path) })
	out = append(out, some...)
	slices.SortFunc(out, func(a, b Known) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// knownPaths is each file of known as "path size title".
func knownPaths(known []Known) []string {
	var out []string
	for _, k := range known {
		out = append(out, fmt.Sprintf("%s %d %s", k.Path, k.Size, k.Post.Title))
	}
	return out
}

// Unchanged posts keep their *Post between scans, so that feed.Builder can
// reuse what it made of them.
func TestScanKeepsUnchangedPosts(t *testing.T) {
	root := t.TempDir()
	writePost(t, filepath.Join(root, "a.md"), "A")
	writePost(t, filepath.Join(root, "b.md"), "B")
	ld := New(Config{Root: root})
	first, err := ld.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	writePost(t, filepath.Join(root, "b.md"), "B2")
	next, err := ld.Update(context.Background(), []string{filepath.Join(root, "b.md")})
	if err != nil {
		t.Fatal(err)
	}
	if first.Posts[0] != next.Posts[0] {
		t.Errorf("got a new *Post for the unchanged a.md, want the same one")
	}
	if first.Posts[1] == next.Posts[1] || next.Posts[1].Title != "B2" {
		t.Errorf("got title %q for the changed b.md, want B2 in a new *Post", next.Posts[1].Title)
	}
}

// Over BodyBudget a post keeps no body in memory; LoadBody reads it again,
// and refuses a file that changed since.
func TestLazyBodies(t *testing.T) {
	root := t.TempDir()
	name := filepath.Join(root, "a.md")
	writePost(t, name, "A")
	res, err := New(Config{Root: root, BodyBudget: 1}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := res.Posts[0]
	if p.Body != "" {
		t.Errorf("got Body %q over BodyBudget, want none", p.Body)
	}
	body, err := p.LoadBody()
	if want := "<p>A</p>"; err != nil || body != want {
		t.Errorf("got LoadBody() = %q, %v; want %q", body, err, want)
	}
	writePost(t, name, "B")
	if body, err := p.LoadBody(); err == nil {
		t.Errorf("got LoadBody() = %q after the file changed, want an error", body)
	}
}

// With SlimPosts a post over BodyBudget keeps what ordering, grouping and
// naming it need, not its body; Full reads the whole post again. A file
// changed since is taken as it now is when the change leaves the post in
// its place (same date, categories, link), and refused otherwise.
func TestSlimPosts(t *testing.T) {
	root := t.TempDir()
	name := filepath.Join(root, "a.md")
	writePost(t, name, "A")
	res, err := New(Config{Root: root, BodyBudget: 1, SlimPosts: true}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := res.Posts[0]
	if p.Title != "A" || p.Body != "" || p.Date.IsZero() || p.Sum == "" {
		t.Errorf("got title %q, body %q, date %v, sum %q; want no body", p.Title, p.Body, p.Date, p.Sum)
	}
	full, err := p.Full()
	if err != nil || full.Title != "A" || full.Body != "<p>A</p>" || !full.Date.Equal(p.Date) {
		t.Fatalf("got Full() = %+v, %v; want post A with its body", full, err)
	}
	if body, err := p.LoadBody(); err != nil || body != "<p>A</p>" {
		t.Errorf("got LoadBody() = %q, %v; want A's body", body, err)
	}
	writePost(t, name, "B")
	if f, err := p.Full(); err != nil || f.Title != "B" || f.Body != "<p>B</p>" {
		t.Errorf("got Full() = %+v, %v after an edit of the title and body, want post B whole", f, err)
	}
	text := strings.Replace(string(postText("C")), "date: ", "date: 2001-01-01\nx: ", 1)
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := p.Full(); err == nil {
		t.Errorf("got Full() = post %q after the file's date changed, want an error", f.Title)
	}
	if p.Title != "A" {
		t.Errorf("the slim post's title changed to %q", p.Title)
	}
}

// readFile reads the whole file whatever size it was listed with, and
// refuses one over the limit.
func TestReadFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	data := []byte("0123456789abcdef")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		size, limit int64
		wantErr     bool
	}{
		{"listed size", 16, 100, false},
		{"grew since listed", 4, 100, false},
		{"shrank since listed", 1000, 100, false},
		{"at the limit", 16, 16, false},
		{"over the limit", 16, 15, true},
		{"grew over the limit", 4, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFile(name, tt.size, tt.limit)
			if tt.wantErr {
				if err == nil {
					t.Errorf("got %d bytes, want an error", len(got))
				}
				return
			}
			if err != nil || string(got) != string(data) {
				t.Errorf("got %q, %v; want %q", got, err, data)
			}
		})
	}
}

// A file touched or rewritten with the same bytes keeps its *Post; one
// with new bytes does not.
func TestSameBytesKeepPost(t *testing.T) {
	root := t.TempDir()
	name := filepath.Join(root, "a.md")
	writePost(t, name, "A")
	ld := New(Config{Root: root})
	ctx := context.Background()
	first, err := ld.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(name, later, later); err != nil {
		t.Fatal(err)
	}
	touched, err := ld.Update(ctx, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	if touched.Posts[0] != first.Posts[0] {
		t.Errorf("got a new *Post for a touched file, want the same one")
	}
	if want := digest(postText("A")); first.Posts[0].Sum != want {
		t.Errorf("got Sum %s from Parse, want %s as digest gives: the two must agree", first.Posts[0].Sum, want)
	}
	writePost(t, name, "B")
	changed, err := ld.Update(ctx, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Posts[0] == first.Posts[0] || changed.Posts[0].Title != "B" {
		t.Errorf("got title %q for a changed file, want B in a new *Post", changed.Posts[0].Title)
	}
}

// A slim post's file read again unchanged gives, without its front matter
// parsed again, the post a full parse gives: body, and summary from the
// excerpt where the front matter has none. Bytes the scan found to be
// UTF-8 are not checked again (Post.utf8); a GB18030 file is decoded again.
func TestSlimFullSameAsParse(t *testing.T) {
	root := t.TempDir()
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("---\ntitle: 央行宣布降准\ndate: 2024-01-20 08:00\n---\n<p>中国人民银行决定下调存款准备金率。</p>\n")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"gb.html":    gb,
		"more.md":    "---\ntitle: More\ndate: 2024-01-01\ntags: [t]\ncategories: [c]\n---\nHead *text*.\n\n<!-- more -->\n\nRest.\n",
		"given.html": "---\ntitle: Given\ndate: 2024-01-02\nsummary: Own summary\n---\n<p>Body</p><!-- more --><p>rest</p>\n",
		"crlf.txt":   "\ufeff---\r\ntitle: CRLF\r\ndate: 2024-01-03\r\n---\r\n<p>x\r\ny</p>\r\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := New(Config{Root: root, BodyBudget: 1, SlimPosts: true}).Scan(context.Background())
	if err != nil || len(res.Posts) != len(files) {
		t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
	}
	for _, p := range res.Posts {
		if p.utf8 != (p.Path != "gb.html") {
			t.Errorf("%s: utf8 = %v", p.Path, p.utf8)
		}
		full, err := p.Full()
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := Parse(p.Path, []byte(files[p.Path]), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(full, want) {
			t.Errorf("%s: got %+v\nwant %+v", p.Path, full, want)
		}
	}
}

// A scan reads every file into a buffer the next file's read reuses:
// nothing a post keeps may point into it. One worker reads the files one
// after another (each buffer reused), and every post is the one Parse
// makes of its file's own bytes, bodies kept and not.
func TestScanKeepsNoBuffer(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := range 40 {
		name := fmt.Sprintf("p%02d.%s", i, []string{"md", "html"}[i%2])
		text := fmt.Sprintf("---\ntitle: 'Post %d %s'\ndate: 2024-01-%02d\ncategories: [c%d, 金融]\nauthor: a%d\n---\n<p>%s</p>\n",
			i, strings.Repeat("x", 50*i), 1+i%28, i%3, i%5, strings.Repeat("body ", 30*(40-i)))
		files[name] = text
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, budget := range []int64{0, 1} {
		res, err := New(Config{Root: root, Workers: 1, BodyBudget: budget}).Scan(context.Background())
		if err != nil || len(res.Posts) != len(files) {
			t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
		}
		for _, p := range res.Posts {
			want, _, err := Parse(p.Path, []byte(files[p.Path]), Options{NoBody: budget > 0})
			if err != nil {
				t.Fatal(err)
			}
			got := *p
			got.again, want.again = nil, nil
			if !reflect.DeepEqual(&got, want) {
				t.Errorf("budget %d: %s: got %+v\nwant %+v", budget, p.Path, &got, want)
			}
		}
	}
}

// The posts of a scan share one copy of each category, tag and author
// name: a folder names few, each many times.
func TestScanSharesNames(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"0.md": "---\ntitle: a\ndate: 2024-01-02\ncategories: [金融, News]\ntags:\n - go\nauthor: 王小明\n---\nbody\n",
		"1.md": "---\ntitle: b\ndate: 2024-01-02\ncategories:\n - '金融'\ntags: [go]\nauthor: '王小明'\n---\nbody\n",
	})
	res, err := New(Config{Root: root}).Scan(context.Background())
	if err != nil || len(res.Posts) != 2 {
		t.Fatalf("scan: %v, %d posts", err, len(res.Posts))
	}
	a, b := res.Posts[0], res.Posts[1]
	for _, pair := range [][2]string{{a.Categories[0], b.Categories[0]}, {a.Tags[0], b.Tags[0]}, {a.Author.Name, b.Author.Name}} {
		if pair[0] != pair[1] || unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%q and %q: want one copy of the name, shared", pair[0], pair[1])
		}
	}
}
