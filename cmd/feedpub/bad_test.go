package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"feedpub/internal/feedtest/rejected"
)

// writeBadSeeds writes the posts every command must reject with
// path:line: message (while publishing the rest) under dir/bad/.
func writeBadSeeds(t *testing.T, dir string) {
	t.Helper()
	for _, tc := range rejected.Posts {
		p := filepath.Join(dir, "bad", tc.Name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(tc.Text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var problemLine = regexp.MustCompile(`(bad/[^:\s"]+):[1-9][0-9]*: \S`)

// checkReported checks that out names every bad seed as path:line: message.
func checkReported(t *testing.T, what, out string) {
	t.Helper()
	got := map[string]bool{}
	for _, m := range problemLine.FindAllStringSubmatch(out, -1) {
		got[m[1]] = true
	}
	for _, tc := range rejected.Posts {
		if name := "bad/" + tc.Name; !got[name] {
			t.Errorf("%s: %s not reported as path:line: message in\n%s", what, name, out)
		}
	}
}

func TestCommandsReportBadPosts(t *testing.T) {
	base := t.TempDir()
	seeds := filepath.Join(base, "seeds")
	genPosts(t, seeds, 30, "a")
	writeBadSeeds(t, seeds)

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"check", "-seeds", seeds}, &stdout, &stderr)
	var ee exitError
	if !errors.As(err, &ee) || ee != 1 {
		t.Errorf("check: got %v, want exit status 1", err)
	}
	checkReported(t, "check", stderr.String())
	if want := fmt.Sprintf("30 posts read, %d rejected", len(rejected.Posts)); !strings.Contains(stdout.String(), want) {
		t.Errorf("check: got summary %q, want %s", stdout.String(), want)
	}

	stdout.Reset()
	stderr.Reset()
	out := filepath.Join(base, "public")
	if err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("build: got %v, want success with rejections reported", err)
	}
	checkReported(t, "build", stderr.String())
	if want := fmt.Sprintf("30 posts published (%d rejected)", len(rejected.Posts)); !strings.Contains(stdout.String(), want) {
		t.Errorf("build: got %q, want %s", stdout.String(), want)
	}
	err = run(context.Background(), []string{"build", "-strict", "-quiet", "-seeds", seeds, "-out", out}, &stdout, &stderr)
	if !errors.As(err, &ee) || ee != 1 {
		t.Errorf("build -strict: got %v, want exit status 1", err)
	}
}
