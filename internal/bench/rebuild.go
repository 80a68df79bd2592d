package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"time"
)

// filesWritten finds build's count of files written in its summary.
var filesWritten = regexp.MustCompile(`(\d+) files? written`)

// rebuild times `feedpub build` into an output folder it wrote before
// (with its state): after no change, and after one changed post (the
// newest by name, in the feeds), restored at the end. It prints the median
// of trials runs of each, and how many files each wrote.
func rebuild(bin, seeds, out string, trials int) {
	runBuild := func() (time.Duration, string) {
		cmd := exec.Command(bin, "build", "-seeds", seeds, "-out", out)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			log.Fatalf("build: %v\n%s", err, tail(stderr.String(), 2000))
		}
		d := time.Since(start)
		written := "?"
		if m := filesWritten.FindStringSubmatch(stdout.String()); m != nil {
			written = m[1]
		}
		return d, written
	}
	// The state of another feedpub is refused: the first build of this
	// one makes its own.
	d, w := runBuild()
	fmt.Printf("first build of this binary (a state of another is refused): %v, %s files written\n", d.Round(time.Millisecond), w)
	time.Sleep(2 * time.Second) // files written in the last 2 s are read again
	median := func(change func(i int)) (time.Duration, []string) {
		var ds []time.Duration
		var ws []string
		for i := range trials {
			change(i)
			d, w := runBuild()
			ds, ws = append(ds, d), append(ws, w)
		}
		slices.Sort(ds)
		return ds[len(ds)/2], slices.Compact(ws)
	}
	d, ws := median(func(int) {})
	fmt.Printf("build again, nothing changed (median of %d):   %8v   files written: %v\n", trials, d.Round(time.Millisecond), ws)

	var posts []string
	filepath.WalkDir(seeds, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			posts = append(posts, p)
		}
		return nil
	})
	if len(posts) == 0 {
		return
	}
	slices.Sort(posts)
	name := posts[len(posts)-1]
	orig, err := os.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	defer os.WriteFile(name, orig, 0o644)
	d, ws = median(func(i int) {
		os.WriteFile(name, append(bytes.Clone(orig), fmt.Sprintf("\n<p>edit %d at %v</p>\n", i, time.Now().UnixNano())...), 0o644)
	})
	rel, _ := filepath.Rel(seeds, name)
	fmt.Printf("build again, 1 file changed (median of %d):    %8v   files written: %v (%s)\n", trials, d.Round(time.Millisecond), ws, rel)
}
