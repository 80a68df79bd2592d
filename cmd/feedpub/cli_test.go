package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"unknown key", "sit: {title: x}\n", "field sit not found"},
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
	if got, want := strings.TrimSpace(out.String()), "sub/bad.txt:3: date: cannot read date"; !strings.HasPrefix(got, want) || strings.Count(got, "\n") != 0 {
		t.Errorf("check printed %q, want one line starting %q", got, want)
	}

	pub := filepath.Join(t.TempDir(), "public")
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), []string{"build", "-seeds", seeds, "-out", pub}, &out, &errOut); err != nil {
		t.Fatalf("build without -strict: %v", err)
	}
	if !strings.Contains(errOut.String(), "sub/bad.txt:3:") {
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
