package loader

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With KeepLastGood a post that was read and becomes unreadable (emptied
// by an editor, its front matter broken) stays in its last good version,
// its problem reported; it goes when deleted or marked draft, and a fix
// is read.
func TestKeepLastGood(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.md")
	writePost(t, name, "A")
	l := New(Config{Root: dir, KeepLastGood: true})
	ctx := context.Background()
	update := func() *Result {
		t.Helper()
		res, err := l.Update(ctx, []string{name})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if _, err := l.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, broken := range []string{"", "---\ntitle: A\ndate: someday\n---\nx\n", "---\ntitle: [A\n"} {
		if err := os.WriteFile(name, []byte(broken), 0o644); err != nil {
			t.Fatal(err)
		}
		res := update()
		if len(res.Posts) != 1 || res.Posts[0].Title != "A" {
			t.Fatalf("after %q: got %d posts, want A kept", broken, len(res.Posts))
		}
		if len(res.Problems) != 1 || res.Problems[0].Warn || !strings.HasPrefix(res.Problems[0].Error(), "a.md:") ||
			!strings.Contains(res.Problems[0].Msg, "the last good version stays published") {
			t.Errorf("after %q: got problems %v, want the rejection, saying A stays", broken, res.Problems)
		}
	}
	writePost(t, name, "B")
	if res := update(); len(res.Posts) != 1 || res.Posts[0].Title != "B" || len(res.Problems) != 0 {
		t.Errorf("fixed: got %+v, want B and no problem", res)
	}
	if err := os.WriteFile(name, []byte("---\ntitle: B\ndate: 2024-01-02\ndraft: true\n---\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := update(); len(res.Posts) != 1 || !res.Posts[0].Draft {
		t.Errorf("marked draft: got %+v, want the draft (the builder leaves it out)", res.Posts)
	}
	os.Remove(name)
	if res := update(); len(res.Posts) != 0 {
		t.Errorf("deleted: got %d posts, want none", len(res.Posts))
	}
	// Without KeepLastGood (build, check), a broken post is rejected.
	writePost(t, name, "C")
	res, _ := New(Config{Root: dir}).Scan(ctx)
	if len(res.Posts) != 1 {
		t.Fatal("C not read")
	}
	os.WriteFile(name, nil, 0o644)
	if res, _ := New(Config{Root: dir}).Scan(ctx); len(res.Posts) != 0 {
		t.Errorf("without KeepLastGood an empty file is published")
	}
}
