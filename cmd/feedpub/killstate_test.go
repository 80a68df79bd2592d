package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"feedpub/internal/longtest"
)

// TestBuildKilledState kills builds that keep a state with SIGKILL: during
// a build from nothing, during an incremental build after a few changes,
// and while the state is being written. Whatever was left, the next
// complete build must give, byte for byte, the output of a build from
// scratch of the same posts.
func TestBuildKilledState(t *testing.T) {
	longtest.Mark(t, "builds 2,000 posts many times")
	bin := buildBinary(t)
	base := t.TempDir()
	seeds := filepath.Join(base, "seeds")
	genPosts(t, seeds, 2000, "a")
	cfgFile := filepath.Join(base, "feedpub.yaml")
	os.WriteFile(cfgFile, []byte("updated_from_edits: false\n"), 0o644)
	build := func(out string) *exec.Cmd {
		return exec.Command(bin, "build", "-quiet", "-config", cfgFile, "-seeds", seeds, "-out", out, "-timezone", "UTC")
	}
	complete := func(out string) {
		t.Helper()
		if msg, err := build(out).CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, msg)
		}
	}
	start := time.Now()
	complete(filepath.Join(base, "timed"))
	full := time.Since(start)

	// change edits, adds and removes a few posts: round r's version.
	change := func(r int) {
		for k := range 5 {
			i := rand.IntN(2000)
			p := filepath.Join(seeds, fmt.Sprintf("%02d", i%17), fmt.Sprintf("post-%05d%s", i, []string{".md", ".html", ".txt"}[i%3]))
			os.WriteFile(p, []byte(fmt.Sprintf("---\ntitle: round %d edit %d\ndate: 2021-0%d-01\ncategories: [Round %d]\n---\nedited\n", r, k, 1+k, r%3)), 0o644)
		}
		os.WriteFile(filepath.Join(seeds, fmt.Sprintf("added-%d.md", r)), []byte(fmt.Sprintf("---\ntitle: added %d\ndate: 2031-01-01\n---\nx\n", r)), 0o644)
		os.Remove(filepath.Join(seeds, fmt.Sprintf("added-%d.md", r-2)))
	}
	kinds := []string{"cold", "incremental", "state write"}
	rounds := 3 * 4
	kills := map[string]int{}
	for round := range rounds {
		kind := kinds[round%3]
		out := filepath.Join(base, fmt.Sprintf("out-%d", round))
		if kind != "cold" {
			complete(out)
			change(round)
		}
		cmd := build(out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var kill <-chan time.Time
		switch kind {
		case "cold":
			kill = time.After(time.Duration(rand.Int64N(int64(full))))
		case "incremental":
			kill = afterFirstWrite(out, time.Duration(rand.Int64N(int64(20*time.Millisecond))))
		case "state write": // the state's folder changes when its temporary file is made
			kill = afterFirstWrite(filepath.Join(out, ".feedpub"), time.Duration(rand.Int64N(int64(2*time.Millisecond))))
		}
		killed := false
		select {
		case <-done:
		case <-kill:
			cmd.Process.Kill()
			<-done
			killed = true
			kills[kind]++
		}
		complete(out)
		fresh := filepath.Join(base, fmt.Sprintf("fresh-%d", round))
		complete(fresh)
		if err := sameTrees(published(t, out), published(t, fresh)); err != nil {
			t.Fatalf("round %d (%s, killed %v): the build after differs from one from scratch: %v", round, kind, killed, err)
		}
		os.RemoveAll(fresh)
		os.RemoveAll(out)
	}
	t.Logf("full build %v; of %d rounds each, killed: %v", full.Round(time.Millisecond), rounds/3, kills)
}
