package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestServeHeapFigures prints what serve's first build from an empty
// output folder costs on the folder FEEDPUB_SERVEHEAP_SEEDS (a `feedpub
// gen` folder): its time, the collector's CPU, the largest heap seen
// while it ran and the live heap after it. With FEEDPUB_SERVEHEAP_PROF it
// writes a heap profile of what stays live. It prints figures and never
// fails on one; without the variable it is skipped.
//
//	FEEDPUB_SERVEHEAP_SEEDS=/tmp/x/seeds-100000 go test -run TestServeHeapFigures -v ./cmd/feedpub
func TestServeHeapFigures(t *testing.T) {
	seeds := os.Getenv("FEEDPUB_SERVEHEAP_SEEDS")
	if seeds == "" {
		t.Skip("FEEDPUB_SERVEHEAP_SEEDS not set: no folder to measure")
	}
	cfg := figuresConfig(t, seeds)
	mem := newMemoryLimit()
	defer mem.restore()
	if p := os.Getenv("FEEDPUB_SERVEHEAP_CPU"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
	}
	stop := sampleHeap()
	start, gc0, cpu0 := time.Now(), gcCPU(), processCPU()
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	s.mem = mem
	if err := s.rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	took, gc, cpu := time.Since(start), gcCPU()-gc0, processCPU()-cpu0
	pprof.StopCPUProfile()
	peak, peakLive := stop()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("first build of %s: %v (CPU %.2f s, GC by the runtime's estimate %.2f s); heap: peak %d MB (live %d MB), live after %d MB (in use %d MB, sys %d MB); peak RSS %s",
		seeds, took.Round(time.Millisecond), cpu, gc, peak>>20, peakLive>>20, ms.HeapAlloc>>20, ms.HeapInuse>>20, ms.Sys>>20, peakRSS())
	writeHeap(os.Getenv("FEEDPUB_SERVEHEAP_PROF"))
	if name := os.Getenv("FEEDPUB_SERVEHEAP_PAGER"); name != "" {
		pagerHeap(t, s, name)
	}
	runtime.KeepAlive(s)
}

// pagerHeap runs, after a first build, what it left to the pager, and
// prints what that costs and what stays live, with a heap profile of it
// written to name.
func pagerHeap(t *testing.T, s *server, name string) {
	s.pager.next.mu.Lock()
	o, has := s.pager.next.v, s.pager.next.has
	s.pager.next.has = false
	s.pager.next.mu.Unlock()
	if !has {
		t.Log("the first build left nothing to the pager")
		return
	}
	stop := sampleHeap()
	start, gc0, cpu0 := time.Now(), gcCPU(), processCPU()
	paths := s.pager.paths(o.site)
	s.pager.write(context.Background(), o.site, paths, o.now)
	took, gc, cpu := time.Since(start), gcCPU()-gc0, processCPU()-cpu0
	peak, peakLive := stop()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("pager, %d files: %v (CPU %.2f s, GC %.2f s); heap: peak %d MB (live %d MB), live after %d MB; peak RSS %s",
		len(paths), took.Round(time.Millisecond), cpu, gc, peak>>20, peakLive>>20, ms.HeapAlloc>>20, peakRSS())
	writeHeap(name)
}

// peakRSS is the process's peak resident set size, as Linux reports it.
func peakRSS() string {
	data, _ := os.ReadFile("/proc/self/status")
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		for _, k := range []string{"VmHWM:", "RssAnon:", "RssFile:", "RssShmem:"} {
			if v, ok := strings.CutPrefix(l, k); ok {
				out = append(out, k+" "+strings.TrimSpace(v))
			}
		}
	}
	return strings.Join(out, " ")
}

// processCPU is the user and system CPU seconds the process has used.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// writeHeap writes a heap profile to the file name, if it is not "".
func writeHeap(name string) {
	if name == "" {
		return
	}
	if f, err := os.Create(name); err == nil {
		pprof.WriteHeapProfile(f)
		f.Close()
	}
}

// gcCPU is the CPU seconds the collector has used so far.
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}

// sampleHeap samples the heap's size (objects and what the runtime holds
// for them) until the returned function is called, which returns the
// largest seen, and the largest heap found live by a collection.
func sampleHeap() func() (peak, live uint64) {
	names := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/gc/heap/live:bytes"}}
	var mu sync.Mutex
	var peak, live uint64
	done := make(chan struct{})
	go func() {
		for {
			metrics.Read(names)
			mu.Lock()
			peak = max(peak, names[0].Value.Uint64()+names[1].Value.Uint64())
			if l := names[2].Value.Uint64(); l > live+live/16 {
				live = l
				if name := os.Getenv("FEEDPUB_SERVEHEAP_PEAK"); name != "" {
					runtime.GC() // the profile then shows this heap, not one of a cycle before
					writeHeap(name)
				}
			}
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return peak, live
	}
}

// serve's memory limit only rises: to a folder's needs, and above the
// heap found live; it is put back when serve stops.
func TestMemoryLimitRises(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT set: serve leaves the limit alone")
	}
	before := debug.SetMemoryLimit(-1)
	m := newMemoryLimit()
	if got, want := debug.SetMemoryLimit(-1), serveMemoryLimit(0); got != want {
		t.Errorf("first limit %d, want %d", got, want)
	}
	m.forPosts(100000)
	want := serveMemoryLimit(100000)
	m.forPosts(10)
	if got := debug.SetMemoryLimit(-1); got != want {
		t.Errorf("after 100,000 posts then 10: limit %d, want %d (it never falls)", got, want)
	}
	m.raise(liveLimit(want))
	if got := debug.SetMemoryLimit(-1); got != liveLimit(want) || got <= want {
		t.Errorf("with a live heap at the limit: limit %d, want %d, above it", got, liveLimit(want))
	}
	m.restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("restored limit %d, want %d", got, before)
	}
	var none *memoryLimit // GOMEMLIMIT set
	none.forPosts(1 << 30)
	none.forLive()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("a nil limit changed the limit to %d", got)
	}
}
