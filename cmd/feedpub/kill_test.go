package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedpub/internal/feedtest"
	"feedpub/internal/gen"
	"feedpub/internal/longtest"
)

// buildBinary compiles feedpub into a temporary folder, for tests that run
// it as a separate process (to kill it, or to count its file descriptors
// and memory apart from the test's).
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "feedpub")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// genPosts writes n small posts into dir (gen.Small).
func genPosts(t testing.TB, dir string, n int, variant string) {
	t.Helper()
	if err := gen.Small(dir, n, variant); err != nil {
		t.Fatal(err)
	}
}

const (
	manifest = ".feedpub-manifest"
	stateDir = ".feedpub/" // the state, and the list of files being written
)

// killRounds is how many builds TestBuildKilled kills: 12 in a normal run,
// 50 with -tags soak (see soak_test.go), or FEEDPUB_KILL_ROUNDS.
var killRounds = 12

// afterFirstWrite fires extra after the folder dir next changes (a file
// created or renamed in it), or after a minute.
func afterFirstWrite(dir string, extra time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	before, _ := os.Stat(dir)
	go func() {
		for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(200 * time.Microsecond) {
			if fi, err := os.Stat(dir); err == nil && before != nil && !fi.ModTime().Equal(before.ModTime()) {
				break
			}
		}
		time.Sleep(extra)
		ch <- time.Now()
	}()
	return ch
}

// dropState removes the state's files from a tree.
func dropState(tree map[string][]byte) {
	for name := range tree {
		if strings.HasPrefix(name, stateDir) {
			delete(tree, name)
		}
	}
}

func isTemp(name string) bool { return strings.HasPrefix(filepath.Base(name), ".feedpub-tmp-") }

// TestBuildKilled kills builds of 10,000 posts with SIGKILL at random
// moments, over and over, into one output folder, alternating between two
// versions of the posts. After every kill each file left must be, byte for
// byte, the file of one complete build or the other, and be listed in the
// manifest (so that a later build can clean up); a final complete build
// must leave exactly its own files.
func TestBuildKilled(t *testing.T) {
	longtest.Mark(t, "builds 10,000 posts many times")
	bin := buildBinary(t)
	base := t.TempDir()
	seeds := []string{filepath.Join(base, "seeds-a"), filepath.Join(base, "seeds-b")}
	refs := []string{filepath.Join(base, "ref-a"), filepath.Join(base, "ref-b")}
	const posts = 10000
	genPosts(t, seeds[0], posts, "a")
	genPosts(t, seeds[1], posts, "b")
	// Variant b has one category more: files that only one build has.
	os.WriteFile(filepath.Join(seeds[1], "extra.md"), []byte("---\ntitle: extra\ndate: 2019-01-01\ncategories: [Only B]\n---\nx\n"), 0o644)

	build := func(seeds, out string) *exec.Cmd {
		cmd := exec.Command(bin, "build", "-quiet", "-gzip", "-seeds", seeds, "-out", out, "-timezone", "UTC")
		cmd.Dir = base
		return cmd
	}
	var full time.Duration
	want := make([]map[string][]byte, 2)
	for i := range refs {
		start := time.Now()
		if msg, err := build(seeds[i], refs[i]).CombinedOutput(); err != nil {
			t.Fatalf("reference build: %v\n%s", err, msg)
		}
		full = max(full, time.Since(start))
		want[i] = feedtest.ReadTree(t, refs[i])
		delete(want[i], manifest)
		dropState(want[i]) // times: each build's own (TestBuildKilledState)
	}
	if len(want[0]) < 30 || bytes.Equal(want[0]["rss.xml"], want[1]["rss.xml"]) {
		t.Fatalf("reference builds: got %d files, identical rss.xml %v; want two different sites", len(want[0]), bytes.Equal(want[0]["rss.xml"], want[1]["rss.xml"]))
	}

	out := filepath.Join(base, "out")
	if err := build(seeds[0], out).Run(); err != nil {
		t.Fatal(err)
	}
	rounds := killRounds
	if d := os.Getenv("FEEDPUB_KILL_ROUNDS"); d != "" {
		fmt.Sscan(d, &rounds)
	}
	var mixed, finished, temps int
	for round := range rounds {
		v := round % 2
		cmd := build(seeds[v], out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Half the rounds kill at a random moment of the whole build; the
		// other half at a random moment once it starts writing (the output
		// folder changes), which parsing otherwise dwarfs.
		delay := time.Duration(rand.Int64N(int64(full + full/5)))
		kill := time.After(delay)
		if (round/2)%2 == 1 {
			kill = afterFirstWrite(out, time.Duration(rand.Int64N(int64(30*time.Millisecond))))
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: build failed: %v", round, err)
			}
			finished++
		case <-kill:
			cmd.Process.Kill()
			<-done
		}

		got := feedtest.ReadTree(t, out)
		listed := map[string]bool{}
		for _, n := range strings.Split(string(got[manifest]), "\n") {
			listed[n] = true
		}
		var fromA, fromB int
		for name, body := range got {
			switch {
			case name == manifest, strings.HasPrefix(name, stateDir):
				continue
			case isTemp(name):
				temps++
				continue
			}
			a, inA := want[0][name]
			b, inB := want[1][name]
			switch {
			case inA && bytes.Equal(body, a):
				fromA++
			case inB && bytes.Equal(body, b):
				fromB++
			default:
				t.Fatalf("round %d (killed after %v): %s is neither complete version (%d bytes)", round, delay, name, len(body))
			}
			if !listed[name] {
				t.Fatalf("round %d: %s is not in the manifest: no later build would remove it", round, name)
			}
		}
		if fromA > 0 && fromB > 0 {
			mixed++
		}
	}
	t.Logf("%d posts, full build %v: %d rounds, %d killed (%d during writing: old and new files side by side), %d finished; %d temporary files seen after kills",
		posts, full.Round(time.Millisecond), rounds, rounds-finished, mixed, finished, temps)

	// A complete build cleans up whatever the killed ones left.
	for v := range 2 {
		if msg, err := build(seeds[v], out).CombinedOutput(); err != nil {
			t.Fatalf("final build: %v\n%s", err, msg)
		}
		got := feedtest.ReadTree(t, out)
		delete(got, manifest)
		dropState(got)
		for name, body := range got {
			if w, ok := want[v][name]; !ok || !bytes.Equal(w, body) {
				t.Errorf("after a complete build of version %d: %s is not that build's file (temporary or stale)", v, name)
			}
		}
		if len(got) != len(want[v]) {
			t.Errorf("after a complete build of version %d: got %d files, want %d", v, len(got), len(want[v]))
		}
	}
}
