package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// badSeeds are posts that every command must reject with path:line:
// message while publishing the rest.
var badSeeds = map[string]string{
	"bad/no-front-matter.md": "just text\n",
	"bad/unclosed.md":        "---\ntitle: x\ndate: 2024-01-01\n",
	"bad/malformed.md":       "---\ntitle: x\ndate: [2024\n---\n",
	"bad/root-list.md":       "---\n- a\n---\n",
	"bad/bomb.md":            "---\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntitle: x\ndate: 2024-01-01\n---\n",
	"bad/empty.md":           "",
	"bad/date.md":            "---\ntitle: x\ndate: someday\n---\n",
	"bad/title.md":           "---\ntitle: [x]\ndate: 2024-01-01\n---\n",
	"bad/latin1.md":          "---\ntitle: caf\xe9\ndate: 2024-01-01\n---\n",
	"bad/no-date.md":         "---\ntitle: x\n---\n",
}

func writeBadSeeds(t *testing.T, dir string) {
	t.Helper()
	for name, text := range badSeeds {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
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
	for name := range badSeeds {
		if !got[name] {
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
	if !strings.Contains(stdout.String(), "30 posts read, 10 rejected") {
		t.Errorf("check: got summary %q, want 30 posts read, 10 rejected", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	out := filepath.Join(base, "public")
	if err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("build: got %v, want success with rejections reported", err)
	}
	checkReported(t, "build", stderr.String())
	if !strings.Contains(stdout.String(), "30 posts published (10 rejected)") {
		t.Errorf("build: got %q, want 30 posts published (10 rejected)", stdout.String())
	}
	err = run(context.Background(), []string{"build", "-strict", "-quiet", "-seeds", seeds, "-out", out}, &stdout, &stderr)
	if !errors.As(err, &ee) || ee != 1 {
		t.Errorf("build -strict: got %v, want exit status 1", err)
	}
}
