package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestServeRebuildFigures prints what a rebuild after one new post costs
// serve on the folder FEEDPUB_SERVELAT_SEEDS (a `feedpub gen` folder):
// after the first build, while its pager and packer work (the first
// minute), and again with them stopped, where FEEDPUB_SERVELAT_CPU, if
// set, gets a CPU profile of those rebuilds. Each new post must be in
// the served all-posts feed after its rebuild. It writes posts named
// servelat-*.md into the folder and removes them after; without the
// variable it is skipped.
//
//	FEEDPUB_SERVELAT_SEEDS=/tmp/x/seeds-100000 go test -run TestServeRebuildFigures -v ./cmd/feedpub
func TestServeRebuildFigures(t *testing.T) {
	seeds := os.Getenv("FEEDPUB_SERVELAT_SEEDS")
	if seeds == "" {
		t.Skip("FEEDPUB_SERVELAT_SEEDS not set: no folder to measure")
	}
	s := figuresServer(t, seeds)
	ctx, stop := context.WithCancel(context.Background())
	pctx, stopPager := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { s.packer.Run(ctx); done <- struct{}{} }()
	go func() { s.pager.run(pctx); done <- struct{}{} }()
	running := 2
	defer func() {
		stop()
		stopPager()
		for ; running > 0; running-- {
			<-done
		}
	}()
	t.Cleanup(func() {
		names, _ := filepath.Glob(filepath.Join(seeds, "servelat-*.md"))
		for _, n := range names {
			os.Remove(n)
		}
	})
	prof := os.Getenv("FEEDPUB_SERVELAT_CPU")
	stopProf := cpuProfile(t, prof, ".first")
	start := time.Now()
	if err := s.rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("first build: %v", time.Since(start).Round(time.Millisecond))
	k := 0
	t.Logf("first minute (pager and packer at work): %s", newPosts(t, s, seeds, &k, 10))
	stopProf()
	for s.held.Load() < int64(s.st.Posts())-deferMin && time.Since(start) < 3*time.Minute { // the pager's pages written
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("pages of posts written after %v: %d", time.Since(start).Round(time.Millisecond), s.held.Load())
	stop()
	<-done
	running--
	defer cpuProfile(t, prof, "")()
	t.Logf("pager done, packer stopped: %s", newPosts(t, s, seeds, &k, 10))
}

// cpuProfile starts a CPU profile into name+suffix, unless name is "",
// and returns what stops it.
func cpuProfile(t *testing.T, name, suffix string) func() {
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name + suffix)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// figuresServer is serve's server of the folder seeds, publishing into a
// temporary folder, its first build not made yet.
func figuresServer(t *testing.T, seeds string) *server {
	cfg := figuresConfig(t, seeds)
	mem := newMemoryLimit()
	t.Cleanup(mem.restore)
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	s.mem = mem
	return s
}

// figuresConfig is serve's configuration for the folder seeds, with no
// configuration file, publishing into a temporary folder.
func figuresConfig(t *testing.T, seeds string) *config {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var common commonFlags
	common.register(fs)
	if err := fs.Parse([]string{"-seeds", seeds, "-config", os.DevNull}); err != nil {
		t.Fatal(err)
	}
	fc, err := loadConfig(&common, fs)
	if err != nil {
		t.Fatal(err)
	}
	fc.Out = t.TempDir()
	cfg, err := fc.check()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// newPosts writes n posts into seeds one by one, each followed by the
// rebuild the watcher would ask for, and checks that the served
// all-posts feed holds it; it returns the rebuilds' times.
func newPosts(t *testing.T, s *server, seeds string, k *int, n int) string {
	var took []time.Duration
	for range n {
		*k++
		title := fmt.Sprintf("servelat post %d %d", *k, time.Now().UnixNano())
		name := filepath.Join(seeds, fmt.Sprintf("servelat-%d.md", *k))
		body := fmt.Sprintf("---\ntitle: %s\ndate: %s\ncategories: [live]\n---\n<p>%s</p>\n",
			title, time.Now().UTC().Format("2006-01-02 15:04:05 -0700"), title)
		start := time.Now()
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		s.trigger([]string{name})
		if err := s.rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(start))
		if got := servedBody(s, "/rss.xml"); !strings.Contains(string(got), title) {
			t.Fatalf("/rss.xml after the rebuild lacks %q", title)
		}
	}
	slices.Sort(took)
	return fmt.Sprintf("%d rebuilds after one new post: p50 %v, max %v", n,
		took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
}
