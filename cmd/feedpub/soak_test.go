//go:build soak

package main

// The soak test: go test -tags soak -run TestSoak -v ./cmd/feedpub/ (make
// soak). With the soak tag TestHostileRequests opens 10,000 idle
// connections instead of 2,000, and TestBuildKilled kills 50 builds
// instead of 12.

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/internal/validate"
)

func init() {
	idleConnections = 10000
	killRounds = 50
}

// soakCounts are what the soak test prints.
type soakCounts struct {
	requests, ok, notModified, notFound, other, serverErrors, connErrors, badBodies atomic.Int64
	plain, gzipped, conditional, bytes                                              atomic.Int64
	adds, edits, renames, deletes                                                   atomic.Int64
}

// wellFormed parses a feed body: XML with a strict decoder to its end, JSON
// with encoding/json; every n-th also with gofeed.
func wellFormed(name string, body []byte, withGofeed bool) error {
	if err := validate.WellFormed(name, body); err != nil {
		return err
	}
	if withGofeed {
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
			return fmt.Errorf("gofeed: %w", err)
		}
	}
	return nil
}

func TestSoak(t *testing.T) {
	duration := 60 * time.Second
	if d, err := time.ParseDuration(os.Getenv("FEEDPUB_SOAK_DURATION")); err == nil {
		duration = d
	}
	const clients = 50
	bin := buildBinary(t)
	base := t.TempDir()
	seeds := filepath.Join(base, "seeds")
	genPosts(t, seeds, 300, "a")
	srv := startServer(t, bin, seeds)

	cats := []string{"金融", "要闻", "科技", "Open Source", "体育", "文化", "国际", "ＡＩ", "健康", "教育", "churn 1", "churn 2", "churn 3"}
	stable := map[string]bool{"/rss.xml": true, "/atom.xml": true, "/feed.json": true}
	var paths []string
	for p := range stable {
		paths = append(paths, p)
	}
	slugs := map[string]bool{}
	for _, c := range cats {
		slug := feed.Slug(c)
		slugs[slug] = true
		for _, f := range []string{"rss.xml", "atom.xml", "feed.json"} {
			paths = append(paths, "/categories/"+url.PathEscape(slug)+"/"+f)
		}
	}

	var n soakCounts
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup

	// The writer: every 50 ms add, edit, rename or delete a post, some
	// written in place (readers may see half a file), some atomically.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		next := 100000
		var names []string
		filepath.WalkDir(seeds, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		write := func(p string, i int) {
			d := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(100000)) * time.Minute)
			text := fmt.Sprintf("---\ntitle: churn %d %d\ndate: %s\ncategories: [%s, %s]\n---\n<p>%s</p>\n",
				i, rng.IntN(1000), d.Format("2006-01-02 15:04:05"), cats[rng.IntN(len(cats))], cats[10+rng.IntN(3)], strings.Repeat("churn text ", rng.IntN(50)))
			if rng.IntN(2) == 0 {
				os.WriteFile(p, []byte(text), 0o644)
				return
			}
			tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp")
			os.WriteFile(tmp, []byte(text), 0o644)
			os.Rename(tmp, p)
		}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			switch op := rng.IntN(4); {
			case op == 0 || len(names) < 250:
				next++
				p := filepath.Join(seeds, fmt.Sprintf("%02d", rng.IntN(17)), fmt.Sprintf("new-%d.md", next))
				write(p, next)
				names = append(names, p)
				n.adds.Add(1)
			case op == 1:
				write(names[rng.IntN(len(names))], next)
				n.edits.Add(1)
			case op == 2:
				i := rng.IntN(len(names))
				next++
				p := filepath.Join(filepath.Dir(names[i]), fmt.Sprintf("renamed-%d%s", next, filepath.Ext(names[i])))
				if os.Rename(names[i], p) == nil {
					names[i] = p
					n.renames.Add(1)
				}
			default:
				if len(names) > 350 || rng.IntN(2) == 0 {
					i := rng.IntN(len(names))
					os.Remove(names[i])
					names = append(names[:i], names[i+1:]...)
					n.deletes.Add(1)
				}
			}
		}
	}()

	// The readers.
	transport := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	var errMu sync.Mutex
	var firstErrors []string
	report := func(format string, args ...any) {
		errMu.Lock()
		defer errMu.Unlock()
		if len(firstErrors) < 10 {
			firstErrors = append(firstErrors, fmt.Sprintf(format, args...))
		}
	}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			etags := map[string]string{}
			for ctx.Err() == nil {
				p := paths[rng.IntN(len(paths))]
				req, _ := http.NewRequest("GET", "http://"+srv.addr+p, nil)
				mode := rng.IntN(3)
				switch mode {
				case 0:
					n.plain.Add(1)
				case 1:
					req.Header.Set("Accept-Encoding", "gzip")
					n.gzipped.Add(1)
				case 2:
					if e := etags[p]; e != "" {
						req.Header.Set("If-None-Match", e)
					}
					n.conditional.Add(1)
				}
				n.requests.Add(1)
				resp, err := client.Do(req)
				if err != nil {
					n.connErrors.Add(1)
					report("GET %s: %v", p, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					n.connErrors.Add(1)
					report("GET %s: reading body: %v", p, err)
					continue
				}
				n.bytes.Add(int64(len(body)))
				switch {
				case resp.StatusCode >= 500:
					n.serverErrors.Add(1)
					report("GET %s: %s", p, resp.Status)
					continue
				case resp.StatusCode == http.StatusNotModified:
					n.notModified.Add(1)
					continue
				case resp.StatusCode == http.StatusNotFound:
					n.notFound.Add(1)
					if stable[p] {
						report("GET %s: 404 for a feed that always exists", p)
						n.badBodies.Add(1)
					}
					continue
				case resp.StatusCode != http.StatusOK:
					n.other.Add(1)
					report("GET %s: %s", p, resp.Status)
					continue
				}
				n.ok.Add(1)
				if resp.Header.Get("Content-Encoding") == "gzip" {
					zr, err := gzip.NewReader(bytes.NewReader(body))
					if err == nil {
						body, err = io.ReadAll(zr)
					}
					if err != nil {
						n.badBodies.Add(1)
						report("GET %s: bad gzip: %v", p, err)
						continue
					}
				}
				if err := wellFormed(p, body, n.ok.Load()%20 == 0); err != nil {
					n.badBodies.Add(1)
					report("GET %s: ill-formed feed: %v", p, err)
					continue
				}
				etags[p] = resp.Header.Get("ETag")
			}
		}()
	}
	wg.Wait()

	// The folder is still now: the served feeds must become those of a
	// fresh build of it.
	out := filepath.Join(base, "fresh")
	cfg := filepath.Join(base, "build.yaml") // build's RSS ttl as serve's default schedule
	if err := os.WriteFile(cfg, []byte("build_ttl: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", "-quiet", "-config", cfg, "-seeds", seeds, "-out", out, "-timezone", "UTC"}, &stdout, &stderr); err != nil {
		t.Fatalf("fresh build: %v", err)
	}
	want := feedtest.ReadTree(t, out)
	delete(want, manifest)
	var mismatched []string
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		mismatched = mismatched[:0]
		for name, body := range want {
			u := "/" + strings.TrimSuffix(name, "index.html")
			resp, err := client.Get("http://" + srv.addr + (&url.URL{Path: u}).EscapedPath())
			if err != nil {
				mismatched = append(mismatched, name+": "+err.Error())
				continue
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(got, body) {
				mismatched = append(mismatched, name)
			}
		}
		for slug := range slugs { // feeds of categories no post has any more are gone
			if _, ok := want["categories/"+slug+"/rss.xml"]; ok {
				continue
			}
			resp, err := client.Get("http://" + srv.addr + "/categories/" + url.PathEscape(slug) + "/rss.xml")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					mismatched = append(mismatched, "categories/"+slug+"/rss.xml still served")
				}
			}
		}
		if len(mismatched) == 0 || time.Now().After(end) {
			break
		}
	}
	rss, peak, fds := srv.memory()
	rebuilds := strings.Count(srv.log.String(), "msg=rebuilt")
	t.Logf("soak %v, %d clients: %d requests (%d plain, %d gzip, %d conditional), %d × 200, %d × 304, %d × 404, %d other, %d × 5xx, %d connection errors, %d bad bodies; %.1f MB served",
		duration, clients, n.requests.Load(), n.plain.Load(), n.gzipped.Load(), n.conditional.Load(), n.ok.Load(), n.notModified.Load(), n.notFound.Load(),
		n.other.Load(), n.serverErrors.Load(), n.connErrors.Load(), n.badBodies.Load(), float64(n.bytes.Load())/1e6)
	t.Logf("writer: %d adds, %d edits, %d renames, %d deletes; server: %d rebuilds, RSS %.1f MiB (peak %.1f MiB), %d fds; final check: %d files compared, %d differ",
		n.adds.Load(), n.edits.Load(), n.renames.Load(), n.deletes.Load(), rebuilds, rss, peak, fds, len(want), len(mismatched))
	for _, e := range firstErrors {
		t.Log("  ", e)
	}
	if n.serverErrors.Load()+n.connErrors.Load()+n.badBodies.Load()+n.other.Load() > 0 {
		t.Errorf("got %d 5xx, %d connection errors, %d bad bodies, %d other statuses; want none", n.serverErrors.Load(), n.connErrors.Load(), n.badBodies.Load(), n.other.Load())
	}
	if n.ok.Load() == 0 {
		t.Errorf("no feed served")
	}
	if len(mismatched) > 0 {
		t.Errorf("served feeds differ from a fresh build 30 s after the last change: %v", mismatched)
	}
}
