// Command bench prints feedpub's performance figures: for each folder size,
// the cold build time and peak RSS of `feedpub build` beside `cp -r` of its
// output and Hugo building the same posts, the time of a warm
// rebuild after one file changes, and the latency from writing a new post
// to `feedpub serve` serving it. It never fails on a number; figures on a
// shared machine are noisy.
//
//	go run ./internal/bench [-n 10000,100000] [-dir /tmp/feedpub-bench] [-trials 20]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"feedpub/feed"
	"feedpub/feed/feedhttp"
	"feedpub/feed/publish"
	"feedpub/loader"
)

func main() {
	sizes := flag.String("n", "10000,100000", "comma-separated folder `sizes`")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "feedpub-bench"), "`folder` for generated posts and output (kept between runs)")
	trials := flag.Int("trials", 20, "write-to-served latency `trials`")
	rebuilds := flag.Int("rebuilds", 10, "warm rebuild `trials`")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of an in-process cold build (largest size) to `file`")
	warmprofile := flag.String("warmprofile", "", "write a CPU profile of the warm rebuilds to `file`")
	memprofile := flag.String("memprofile", "", "write a heap profile after an in-process cold build (largest size) to `file`")
	phases := flag.String("run", "cold,rebuild,warm,latency", "comma-separated `phases` to run: cold, rebuild (build again with the state), warm, latency")
	rounds := flag.Int("rounds", 3, "cold build `rounds`: feedpub, cp -r and Hugo alternated")
	hugoSite := flag.String("hugo-site", filepath.Join("..", "shared", "bench", "hugo-full"), "the peer Hugo `site` cold builds are compared with")
	hugoMax := flag.Int("hugo-max", 10000, "compare with Hugo up to this many `posts`")
	flag.Parse()
	run := map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		run[strings.TrimSpace(p)] = true
	}
	log.SetFlags(0)
	log.SetPrefix("bench: ")

	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	bin := filepath.Join(*dir, "feedpub")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/feedpub").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	fmt.Printf("feedpub benchmarks on %d CPUs (%s/%s, %s); shared machine: figures are noisy\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())

	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("-n: bad size %q", s)
		}
		ns = append(ns, n)
	}
	// Cold builds first, for every size, while this process is small: a
	// child's peak RSS is read from /proc, but the kernel's own count
	// (rusage) starts from this process's size when the child is made.
	seedsOf := map[int]string{}
	defer emptyTrash()
	for _, n := range ns {
		seeds, err := generate(bin, *dir, n)
		if err != nil {
			log.Fatal(err)
		}
		seedsOf[n] = seeds
		if run["cold"] {
			fmt.Printf("\n== %d posts (%s)\n", n, seeds)
			cold(bin, seeds, *dir, n, *rounds, *hugoSite, *hugoMax)
		}
	}
	for i, n := range ns {
		seeds := seedsOf[n]
		fmt.Printf("\n== %d posts (%s)\n", n, seeds)
		if i == len(ns)-1 && (*cpuprofile != "" || *memprofile != "") {
			profile(seeds, *cpuprofile, *memprofile)
		}
		if run["rebuild"] {
			rebuild(bin, seeds, filepath.Join(*dir, fmt.Sprintf("out-%d", n)), min(*rebuilds, 5))
		}
		if run["warm"] {
			warm(seeds, *rebuilds, *warmprofile)
		}
		if run["latency"] {
			latency(bin, seeds, *trials)
		}
	}
}

// generate makes a folder of n posts once; later runs reuse it.
func generate(bin, dir string, n int) (string, error) {
	seeds := filepath.Join(dir, fmt.Sprintf("seeds-%d", n))
	done := filepath.Join(dir, fmt.Sprintf(".seeds-%d.done", n))
	if _, err := os.Stat(done); err == nil {
		return seeds, nil
	}
	os.RemoveAll(seeds)
	start := time.Now()
	if out, err := exec.Command(bin, "gen", "-quiet", "-n", strconv.Itoa(n), "-out", seeds).CombinedOutput(); err != nil {
		return "", fmt.Errorf("gen: %v\n%s", err, out)
	}
	fmt.Printf("generated %d posts in %v\n", n, time.Since(start).Round(time.Millisecond))
	return seeds, os.WriteFile(done, nil, 0o644)
}

// warm loads and builds the folder in this process, then times rebuilds
// after rewriting one post (a new title, so its feeds change), as serve
// does them: Update with the changed path, Build, Publish.
func warm(seeds string, trials int, cpuprofile string) {
	ctx := context.Background()
	ld := loader.New(loader.Config{Root: seeds, BodyBudget: 256 << 20})
	b, err := feed.NewBuilder(feed.Config{})
	if err != nil {
		log.Fatal(err)
	}
	res, err := ld.Scan(ctx)
	if err != nil {
		log.Fatal(err)
	}
	site, err := b.Build(res.Posts, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	h := &feedhttp.Handler{}
	h.Publish(site)
	// The newest post is in the all-posts feed: changing it re-encodes feeds.
	newest := res.Posts[0]
	for _, p := range res.Posts {
		if p.Date.After(newest.Date) {
			newest = p
		}
	}
	name := filepath.Join(seeds, filepath.FromSlash(newest.Path))
	orig, err := os.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	defer os.WriteFile(name, orig, 0o644)
	var full, inc, upd, bld, gz []time.Duration
	rebuild := func(i int, paths []string) {
		data := bytes.Replace(orig, []byte("title: '"), []byte(fmt.Sprintf("title: 'v%d ", i)), 1)
		if err := os.WriteFile(name, data, 0o644); err != nil {
			log.Fatal(err)
		}
		start := time.Now()
		var res *loader.Result
		if paths == nil {
			res, err = ld.Scan(ctx)
		} else {
			res, err = ld.Update(ctx, paths)
		}
		if err != nil {
			log.Fatal(err)
		}
		t1 := time.Now()
		site, err := b.Build(res.Posts, time.Now())
		if err != nil {
			log.Fatal(err)
		}
		t2 := time.Now()
		h.Publish(site)
		d := time.Since(start)
		if paths == nil {
			full = append(full, d)
			return
		}
		inc = append(inc, d)
		upd, bld, gz = append(upd, t1.Sub(start)), append(bld, t2.Sub(t1)), append(gz, time.Since(t2))
	}
	for i := range trials {
		rebuild(i, nil)
	}
	if cpuprofile != "" { // of the rebuilds with the changed path only
		f, err := os.Create(cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	for i := range trials {
		rebuild(trials+i, []string{newest.Path})
	}
	fmt.Printf("warm rebuild, 1 file changed (in process, p50 of %d): %v with the changed path (loader %v + build %v, then published with its compression in %v); %v with a full rescan\n",
		trials, pct(inc, 50), pct(upd, 50), pct(bld, 50), pct(gz, 50), pct(full, 50))
}

// latency starts `feedpub serve`, writes new posts one at a time and times
// how long each takes to appear in the served all-posts feed.
func latency(bin, seeds string, trials int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, err := os.MkdirTemp("", "feedpub-latency-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)
	cmd := exec.Command(bin, "serve", "-seeds", seeds, "-out", out, "-addr", addr)
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	defer func() { // stop the server as a user would, and wait for it
		rss := peak()
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		fmt.Printf("serve: peak RSS %d MB (the folder, its feeds with their gzip and brotli, the trials)\n", rss>>10)
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 5*time.Minute {
			fmt.Printf("latency: server did not start:\n%s", tail(logs.String(), 2000))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("serve: first build ready in %v\n", time.Since(start).Round(time.Millisecond))
	// The watcher rescans the folder once it is set up: let that pass, or
	// the first trial measures it.
	for strings.Count(logs.String(), "msg=rebuilt") < 2 && time.Since(start) < 5*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}

	dir := filepath.Join(seeds, "bench-latency")
	os.MkdirAll(dir, 0o755)
	defer os.RemoveAll(dir)
	var lat []time.Duration
	for i := range trials {
		token := fmt.Sprintf("latency-%d-%d", time.Now().UnixNano(), i)
		post := fmt.Sprintf("---\ntitle: '%s'\ncategories: [bench]\ndate: %s GMT\n---\n<p>%s</p>\n",
			token, time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05"), token)
		// Written as an editor would: a temporary file renamed into place.
		tmp := filepath.Join(dir, "."+token+".tmp")
		if err := os.WriteFile(tmp, []byte(post), 0o644); err != nil {
			log.Fatal(err)
		}
		t0 := time.Now()
		if err := os.Rename(tmp, filepath.Join(dir, token+".md")); err != nil {
			log.Fatal(err)
		}
		for {
			if served(client, "http://"+addr+"/rss.xml", token) {
				lat = append(lat, time.Since(t0))
				break
			}
			if time.Since(t0) > 10*time.Second {
				fmt.Printf("latency: trial %d not served after 10s\n", i)
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("write-to-served latency (%d trials): p50 %v  p95 %v  max %v\n",
		len(lat), pct(lat, 50), pct(lat, 95), pct(lat, 100))
}

// watchPeakRSS reads the peak resident size of process pid (VmHWM, in
// kilobytes) every 20 ms until the returned function is called, which
// gives the last figure read.
func watchPeakRSS(pid int) func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	status := fmt.Sprintf("/proc/%d/status", pid)
	read := func() {
		data, err := os.ReadFile(status)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				mu.Lock()
				peak = max(peak, kb)
				mu.Unlock()
			}
		}
	}
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() int64 {
		close(done)
		read() // a process not reaped yet still has its figures
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// syncBuffer collects a child's output while we read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func served(c *http.Client, url, token string) bool {
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return err == nil && bytes.Contains(body, []byte(token))
}

// profile runs a cold build in this process under the profiler.
func profile(seeds, cpu, mem string) {
	out, _ := os.MkdirTemp("", "feedpub-bench-out")
	defer os.RemoveAll(out) // after the profile stops: not in it
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close(); fmt.Printf("cpu profile: %s\n", cpu) }()
	}
	start := time.Now()
	res, err := loader.New(loader.Config{Root: seeds, BodyBudget: 16 << 20, SlimPosts: true}).Scan(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	scanned := time.Since(start)
	site, err := feed.BuildLean(res.Posts, feed.Config{}, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	built := time.Since(start)
	if mem != "" { // what a build holds while it writes
		f, err := os.Create(mem)
		if err != nil {
			log.Fatal(err)
		}
		runtime.GC()
		pprof.WriteHeapProfile(f)
		f.Close()
		fmt.Printf("heap profile (after the build, before writing): %s\n", mem)
	}
	if mem != "" { // and what it holds half way through writing
		go func() {
			time.Sleep(built - scanned + time.Second)
			f, err := os.Create(mem + ".writing")
			if err != nil {
				log.Fatal(err)
			}
			runtime.GC() // twice: a profile is as of the last full cycle
			runtime.GC()
			pprof.WriteHeapProfile(f)
			f.Close()
		}()
	}
	if _, err := publish.WriteDir(site, out, publish.Options{}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("in process: scan %v, build %v, write %v\n", scanned.Round(time.Millisecond),
		(built - scanned).Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond))
	runtime.KeepAlive(site)
}

// pct is the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))].Round(100 * time.Microsecond)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
