package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOut(t *testing.T) {
	base := t.TempDir()
	seeds := filepath.Join(base, "site", "seeds")
	os.MkdirAll(seeds, 0o755)
	os.Symlink(seeds, filepath.Join(base, "seeds-link"))
	os.Symlink(filepath.Join(base, "site"), filepath.Join(base, "site-link"))
	tests := []struct {
		out  string
		want string // "" for accepted
	}{
		{filepath.Join(base, "public"), ""},
		{filepath.Join(base, "site", "public"), ""},
		{filepath.Join(base, "site", "seeds-public"), ""},
		{"", "empty"},
		{"  ", "empty"},
		{"/", "refusing"},
		{"/..", "refusing"},
		{"//", "refusing"},
		{seeds, "is the seed folder"},
		{seeds + "/", "is the seed folder"},
		{seeds + "/x/..", "is the seed folder"},
		{filepath.Join(base, "seeds-link"), "is the seed folder"},
		{filepath.Join(base, "site"), "contains the seed folder"},
		{filepath.Join(base, "site-link"), "contains the seed folder"},
		{base, "contains the seed folder"},
		{filepath.Join(seeds, "public"), "inside the seed folder"},
		{filepath.Join(base, "seeds-link", "public"), "inside the seed folder"},
	}
	for _, tc := range tests {
		t.Run(tc.out, func(t *testing.T) {
			err := checkOut(seeds, tc.out)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want it accepted", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Relative paths are resolved from the working directory.
	t.Chdir(filepath.Join(base, "site"))
	for _, out := range []string{"seeds", "./seeds", "seeds/../seeds", ".", "..", "seeds/public"} {
		if err := checkOut("seeds", out); err == nil {
			t.Errorf("checkOut(seeds, %q): got nil, want a refusal", out)
		}
	}
	if err := checkOut("seeds", "public"); err != nil {
		t.Errorf("checkOut(seeds, public): got %v, want nil", err)
	}
}

// TestBuildRefusesOutAndKeepsOthersFiles runs the build command: a refused
// -out writes nothing, and a build deletes only files it wrote itself.
func TestBuildRefusesOutAndKeepsOthersFiles(t *testing.T) {
	base := t.TempDir()
	seeds := filepath.Join(base, "seeds")
	genPosts(t, seeds, 20, "a")
	before := readDir(t, base)
	for _, out := range []string{seeds, base, "/", filepath.Join(seeds, "out")} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", out}, &stdout, &stderr)
		if err == nil {
			t.Errorf("build -out %s: got nil, want a refusal", out)
		}
	}
	if after := readDir(t, base); len(after) != len(before) {
		t.Fatalf("refused builds changed the folder: %d files before, %d after", len(before), len(after))
	}

	out := filepath.Join(base, "public")
	os.MkdirAll(filepath.Join(out, "categories"), 0o755)
	mine := map[string]string{"CNAME": "news.example.com", "robots.txt": "User-agent: *", "categories/keep.txt": "keep"}
	for n, body := range mine {
		os.WriteFile(filepath.Join(out, n), []byte(body), 0o644)
	}
	for i := range 2 {
		if i == 1 { // a category disappears between the builds
			os.RemoveAll(seeds)
			genPosts(t, seeds, 5, "b")
		}
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"build", "-quiet", "-seeds", seeds, "-out", out}, &stdout, &stderr); err != nil {
			t.Fatalf("build: %v\n%s", err, stderr.String())
		}
	}
	got := readDir(t, out)
	for n, body := range mine {
		if string(got[n]) != body {
			t.Errorf("%s: got %q, want the user's file untouched", n, got[n])
		}
	}
	if _, ok := got["categories/教育/rss.xml"]; ok {
		t.Errorf("feed of a category gone from the posts is still there")
	}
	if _, ok := got["categories/金融/rss.xml"]; !ok {
		t.Errorf("feed of a category still in the posts is missing; got %d files", len(got))
	}
}
