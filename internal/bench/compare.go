package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// A fig is what one run of a command cost.
type fig struct {
	wall, user, sys time.Duration
	rss             int64 // peak resident size, kilobytes
}

// timed runs cmd, after flushing the dirty pages of earlier runs to disk
// (so that no run pays for another's writes), and returns its figures.
func timed(cmd *exec.Cmd) (fig, error) {
	syscall.Sync()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fig{}, err
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	f := fig{wall: time.Since(start), rss: peak()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		f.user, f.sys = time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
		if f.rss == 0 { // gone before the first look: the kernel's figure
			f.rss = ru.Maxrss
		}
	}
	if err != nil {
		return f, fmt.Errorf("%s: %v\n%s", cmd.Args[0], err, tail(out.String(), 2000))
	}
	return f, nil
}

// cold times, side by side and alternated in rounds (the disk is noisy):
// `feedpub build` into an empty folder, `cp -r` of that folder on the same
// disk (the floor for the writing), and Hugo building the same posts in
// the site hugoSite (skipped, saying why, when it is not installed, or for
// more than hugoMax posts), and prints the best and the median of each
// with the targets.
//
// Every run writes into a folder of its own, and the folders are removed
// only after the last run: on ext4 without a journal (this machine's
// disk), a file made within a minute of many files being deleted costs
// a scan of the deleted inodes' table (the kernel's recently_deleted, as
// `perf record cp -r` shows), which made each run after a removal of the
// last run's output 5 to 10 times slower, whichever program it was. The
// last feedpub folder is kept as out-N, for the rebuild phase.
func cold(bin, seeds, dir string, n, rounds int, hugoSite string, hugoMax int) {
	out := filepath.Join(dir, fmt.Sprintf("out-%d", n))
	hugo, why := hugoCommand(seeds, dir, n, hugoSite, hugoMax)
	// Each round's folders: feedpub's, cp -r's and Hugo's.
	folders := func(round int) (fp, cp, hg string) {
		fp = fmt.Sprintf("%s.%d", out, round)
		if hugo != nil {
			hg = filepath.Join(hugo.site, fmt.Sprintf("public.%d", round))
		}
		return fp, fp + "-cp", hg
	}
	made := []string{out}
	for round := range rounds {
		fp, cp, hg := folders(round)
		made = append(made, fp, cp)
		if hg != "" {
			made = append(made, hg)
		}
	}
	for _, d := range made { // an earlier bench's: out of the way, removed at the end
		discard(d)
	}
	runs := map[string][]fig{}
	for round := range rounds {
		fpOut, cpOut, hugoOut := folders(round)
		f, err := timed(exec.Command(bin, "build", "-quiet", "-seeds", seeds, "-out", fpOut))
		if err != nil {
			fmt.Printf("cold build: failed: %v\n", err)
			return
		}
		runs["feedpub"] = append(runs["feedpub"], f)
		if f, err = timed(exec.Command("cp", "-r", fpOut, cpOut)); err != nil {
			fmt.Printf("cp -r: failed: %v\n", err)
			return
		}
		runs["cp"] = append(runs["cp"], f)
		if hugo == nil {
			continue
		}
		if f, err = timed(hugo.cmd(hugoOut)); err != nil {
			fmt.Printf("hugo: failed: %v\n", err)
			hugo, why = nil, "it failed"
			continue
		}
		runs["hugo"] = append(runs["hugo"], f)
		hugo.out = hugoOut
	}
	last, _, _ := folders(rounds - 1)
	os.Rename(last, out)
	defer func() { // once the figures are printed
		for _, d := range made[1:] {
			discard(d)
		}
	}()
	printCold(runs, rounds, out, hugo, why)
}

// printCold prints the cold build's figures: each tool's best and median
// runs, then the targets.
func printCold(runs map[string][]fig, rounds int, out string, hugo *hugoRun, why string) {
	files, size := treeSize(out)
	fmt.Printf("cold build, %d rounds alternated, each run after a sync (the run of best wall time / the median of each column):\n", rounds)
	fmt.Printf("  %-42s %17s %17s %17s %15s\n", "", "wall", "user", "sys", "peak RSS")
	row := func(name, what string) {
		if len(runs[name]) == 0 {
			return
		}
		b, m := best(runs[name]), median(runs[name])
		fmt.Printf("  %-42s %8v %8v %8v %8v %8v %8v %6d %6d MB\n", what,
			r(b.wall), r(m.wall), r(b.user), r(m.user), r(b.sys), r(m.sys), b.rss>>10, m.rss>>10)
	}
	row("feedpub", fmt.Sprintf("feedpub build (%d files, %d MB)", files, size>>20))
	row("cp", "cp -r of its output (the floor)")
	if hugo != nil {
		hf, hs := treeSize(hugo.out)
		row("hugo", fmt.Sprintf("hugo (RSS + pages: %d files, %d MB)", hf, hs>>20))
	} else {
		fmt.Printf("  hugo: skipped: %s\n", why)
	}
	fp, cp := best(runs["feedpub"]), best(runs["cp"])
	fmt.Printf("  targets (best runs): feedpub / cp -r wall %.2f× (≤ 2×)", ratio(fp.wall, cp.wall))
	if hugo != nil {
		h := best(runs["hugo"])
		fmt.Printf("; Hugo / feedpub wall %.2f× (≥ 3×), CPU %.2f×; feedpub / Hugo peak RSS %.2f (≤ 0.25)",
			ratio(h.wall, fp.wall), ratio(h.user+h.sys, fp.user+fp.sys), float64(fp.rss)/float64(max(h.rss, 1)))
	}
	fmt.Println()
}

// trash is the folders discard moved out of the way.
var trash []string

// discard moves the folder d (if there is one) out of the way, to be
// removed by emptyTrash at the end of the bench: see cold.
func discard(d string) {
	t := fmt.Sprintf("%s.trash-%d-%d", d, os.Getpid(), len(trash))
	if os.Rename(d, t) == nil {
		trash = append(trash, t)
	}
}

// emptyTrash removes what discard moved.
func emptyTrash() {
	for _, t := range trash {
		os.RemoveAll(t)
	}
	trash = nil
}

// hugoRun is Hugo building a copy of the peer site with the posts.
type hugoRun struct {
	site string
	out  string // where the last run wrote
}

// dir is the site's folder; "" for no site.
func (h *hugoRun) dir() string {
	if h == nil {
		return ""
	}
	return h.site
}

func (h *hugoRun) cmd(out string) *exec.Cmd {
	return exec.Command("hugo", "--quiet", "--source", h.site, "--destination", out)
}

// hugoCommand copies the peer site hugoSite into dir once, with the posts
// of seeds under its content/posts/, or says why Hugo is skipped.
func hugoCommand(seeds, dir string, n int, hugoSite string, hugoMax int) (*hugoRun, string) {
	if _, err := exec.LookPath("hugo"); err != nil {
		return nil, "hugo is not installed (apt-get install hugo)"
	}
	if n > hugoMax {
		return nil, fmt.Sprintf("%d posts is more than -hugo-max %d (Hugo's memory grows with the site: about 1 GB at 10,000)", n, hugoMax)
	}
	if _, err := os.Stat(filepath.Join(hugoSite, "hugo.toml")); err != nil {
		return nil, fmt.Sprintf("no peer site: %v (-hugo-site)", err)
	}
	site := filepath.Join(dir, fmt.Sprintf("hugo-%d", n))
	done := site + ".done"
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(site)
		os.MkdirAll(filepath.Join(site, "content"), 0o755)
		for _, c := range [][]string{
			{"cp", "-r", filepath.Join(hugoSite, "hugo.toml"), filepath.Join(hugoSite, "layouts"), site},
			{"cp", "-r", seeds, filepath.Join(site, "content", "posts")},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				return nil, fmt.Sprintf("copying the peer site: %v: %s", err, out)
			}
		}
		os.WriteFile(done, nil, 0o644)
	}
	return &hugoRun{site: site}, ""
}

// treeSize counts the files under dir and their bytes.
func treeSize(dir string) (files int, size int64) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				files, size = files+1, size+info.Size()
			}
		}
		return nil
	})
	return files, size
}

// best is the run with the shortest wall time.
func best(fs []fig) fig {
	return slices.MinFunc(fs, func(a, b fig) int { return int(a.wall - b.wall) })
}

// median is the median of each figure on its own.
func median(fs []fig) fig {
	pick := func(get func(fig) int64) int64 {
		vs := make([]int64, len(fs))
		for i, f := range fs {
			vs[i] = get(f)
		}
		slices.Sort(vs)
		return vs[(len(vs)-1)/2]
	}
	return fig{
		wall: time.Duration(pick(func(f fig) int64 { return int64(f.wall) })),
		user: time.Duration(pick(func(f fig) int64 { return int64(f.user) })),
		sys:  time.Duration(pick(func(f fig) int64 { return int64(f.sys) })),
		rss:  pick(func(f fig) int64 { return f.rss }),
	}
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / max(b.Seconds(), 1e-9) }

func r(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
