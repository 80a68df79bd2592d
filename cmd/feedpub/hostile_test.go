package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"feedpub/internal/feedtest"
	"feedpub/internal/longtest"
)

// idleConnections is how many idle connections TestHostileRequests opens:
// 2,000 in a normal run, 10,000 with -tags soak (see soak_test.go).
var idleConnections = 2000

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
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

// testServer is feedpub serve running as its own process on a free
// loopback port.
type testServer struct {
	addr string
	cmd  *exec.Cmd
	log  *syncBuffer
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer runs bin serve on seeds and waits for its first build. The
// server is stopped (SIGTERM, then SIGKILL) when the test ends.
func startServer(t testing.TB, bin, seeds string, args ...string) *testServer {
	t.Helper()
	s := &testServer{addr: freeAddr(t), log: &syncBuffer{}}
	s.cmd = exec.Command(bin, append([]string{"serve", "-seeds", seeds, "-addr", s.addr, "-timezone", "UTC"}, args...)...)
	s.cmd.Dir = t.TempDir() // no feedpub.yaml there
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-exited
			t.Errorf("server did not stop within 15 s of SIGTERM")
		}
	})
	client := &http.Client{Timeout: 2 * time.Second}
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("server exited:\n%s", s.log.String())
		default:
		}
		resp, err := client.Get("http://" + s.addr + "/rss.xml")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
	}
	t.Fatalf("server not serving /rss.xml within 60 s:\n%s", s.log.String())
	return nil
}

// memory reports the server's resident memory now and at its peak, in
// MiB, and its open file descriptors.
func (s *testServer) memory() (rss, peak float64, fds int) {
	pid := s.cmd.Process.Pid
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return rss, peak, len(entries)
}

// builtBodies builds seeds with the build command and returns the hashes
// of every file it wrote: whatever the server answers 200 must be one.
func builtBodies(t testing.TB, seeds string) map[[32]byte]string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "public")
	// build's RSS ttl as serve's (its default schedule, every minute).
	cfg := filepath.Join(t.TempDir(), "feedpub.yaml")
	if err := os.WriteFile(cfg, []byte("build_ttl: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"build", "-quiet", "-config", cfg, "-seeds", seeds, "-out", out, "-timezone", "UTC"}, &stdout, &stderr); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	sums := map[[32]byte]string{}
	for name, b := range feedtest.ReadTree(t, out) {
		if name != manifest {
			sums[sha256.Sum256(b)] = name
		}
	}
	return sums
}

// rawResponse sends raw bytes as a request on a new connection and reads
// one response.
func rawResponse(addr, raw string) (*http.Response, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		// The server may answer and close before reading all of a huge
		// request: read what it said.
		if resp, rerr := http.ReadResponse(bufio.NewReader(conn), nil); rerr == nil {
			body, _ := io.ReadAll(resp.Body)
			return resp, body, nil
		}
		return nil, nil, err
	}
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.Header.Get("Content-Encoding") == "gzip" {
		zr, zerr := gzip.NewReader(bytes.NewReader(body))
		if zerr != nil {
			return resp, body, zerr
		}
		body, err = io.ReadAll(zr)
	}
	return resp, body, err
}

const secretMarker = "SECRET-7f3a9c"

func TestHostileRequests(t *testing.T) {
	longtest.Mark(t, "opens thousands of connections")
	bin := buildBinary(t)
	base := t.TempDir()
	seeds := filepath.Join(base, "seeds")
	genPosts(t, seeds, 200, "a")
	writeBadSeeds(t, seeds)
	// Files the server must never give out: beside the posts, beside the
	// seed folder, and a post that links out of it.
	os.WriteFile(filepath.Join(seeds, "secret.txt.bak"), []byte(secretMarker), 0o644)
	os.WriteFile(filepath.Join(seeds, "notes.yaml"), []byte(secretMarker), 0o644)
	os.WriteFile(filepath.Join(base, "secret.txt"), []byte(secretMarker), 0o644)
	os.WriteFile(filepath.Join(base, "outside.md"), []byte("---\ntitle: "+secretMarker+"\ndate: 2024-01-01\n---\n"+secretMarker), 0o644)
	os.Symlink(filepath.Join(base, "outside.md"), filepath.Join(seeds, "link-out.md"))
	os.Symlink("/etc/passwd", filepath.Join(seeds, "passwd.md"))

	built := builtBodies(t, seeds)
	srv := startServer(t, bin, seeds)
	addr := srv.addr

	// The server's log names every rejected post as path:line: message.
	checkReported(t, "serve log", srv.log.String())

	// check judges one response: never a 5xx, never a secret, a 200 only
	// with the bytes of a built file, a redirect only to this site.
	check := func(t *testing.T, what string, resp *http.Response, body []byte) {
		t.Helper()
		if resp.StatusCode >= 500 {
			t.Errorf("%s: got %s, want no server error", what, resp.Status)
		}
		if bytes.Contains(body, []byte(secretMarker)) || bytes.Contains(body, []byte("root:")) {
			t.Errorf("%s: response holds a secret:\n%s", what, body)
		}
		if resp.StatusCode == http.StatusOK && len(body) > 0 {
			if _, ok := built[sha256.Sum256(body)]; !ok {
				t.Errorf("%s: got 200 with %d bytes that are no built file: %.200q", what, len(body), body)
			}
		}
		if loc := resp.Header.Get("Location"); loc != "" && !strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "http://127.0.0.1:8080/") {
			t.Errorf("%s: redirect to %q, outside this site", what, loc)
		}
	}

	t.Run("paths", func(t *testing.T) {
		const (
			refuse = iota // anything but 200
			serve         // 2xx or 3xx
			either        // 3xx once pages are built, 404 before
		)
		paths := []struct {
			target string
			want   int
		}{
			{"/categories/..%2f..%2fetc/passwd/rss.xml", refuse},
			{"/categories/..%2F..%2F..%2F..%2Fetc%2Fpasswd", refuse},
			{"/%2e%2e/", refuse},
			{"/%2e%2e/%2e%2e/etc/passwd", refuse},
			{"/%2e%2e%2f%2e%2e%2fetc%2fpasswd", refuse},
			{"/../../etc/passwd", refuse},
			{"/categories/../../../../etc/passwd", refuse},
			{"/categories/%2e%2e/%2e%2e/etc/passwd/rss.xml", refuse},
			{"/..%5c..%5cetc%5cpasswd", refuse},
			{"/..\\..\\etc\\passwd", refuse},
			{"/..;/etc/passwd", refuse},
			{"//etc/passwd", refuse},
			{"/rss.xml%00", refuse},
			{"/rss.xml%00.html", refuse},
			{"/%00", refuse},
			{"/%c0%ae%c0%ae/etc/passwd", refuse},
			{"/%252e%252e/etc/passwd", refuse},
			{"/secret.txt", refuse},
			{"/secret.txt.bak", refuse},
			{"/notes.yaml", refuse},
			{"/link-out.md", refuse},
			{"/passwd.md", refuse},
			{"/00/post-00000.md", refuse},
			{"/.feedpub-manifest", refuse},
			{"/etc/passwd", refuse},
			{"*", refuse},
			{"http://evil.example/../../etc/passwd", refuse},
			{"/rss.xml?../../etc/passwd", serve},
			{"/rss.xml#../x", either},
			{"/rss.xml", serve},
			{"/categories/%E9%87%91%E8%9E%8D/atom.xml", serve},
			{"/categories/金融/feed.json", serve},
			{"/categories/%E9%87%91%E8%9E%8D", either},
		}
		for _, p := range paths {
			for _, host := range []string{"127.0.0.1", "evil.example"} {
				resp, body, err := rawResponse(addr, "GET "+p.target+" HTTP/1.1\r\nHost: "+host+"\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
				if err != nil {
					t.Errorf("GET %s: %v", p.target, err)
					continue
				}
				check(t, "GET "+p.target, resp, body)
				if p.want == refuse && resp.StatusCode == http.StatusOK {
					t.Errorf("GET %s: got 200, want a refusal", p.target)
				}
				if p.want == serve && resp.StatusCode >= 400 {
					t.Errorf("GET %s: got %s, want the feed", p.target, resp.Status)
				}
			}
		}
		// A NUL byte and other controls sent raw in the request line.
		for _, target := range []string{"/rss\x00.xml", "/\x00", "/rss.xml\x00/../../etc/passwd", "/rss.xml\r", "/rss\x7f.xml", "/rss.xml\x01"} {
			resp, body, err := rawResponse(addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n")
			if err != nil {
				continue // the connection closed: nothing returned
			}
			check(t, fmt.Sprintf("GET %q", target), resp, body)
			if resp.StatusCode == http.StatusOK {
				t.Errorf("GET %q: got 200, want a refusal", target)
			}
		}
	})

	t.Run("methods", func(t *testing.T) {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "MKCOL", "BREW", "CONNECT", "get"} {
			for _, target := range []string{"/rss.xml", "/", "/categories/金融/rss.xml"} {
				raw := m + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=" + secretMarker + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
				resp, body, err := rawResponse(addr, raw)
				if err != nil {
					t.Errorf("%s %s: %v", m, target, err)
					continue
				}
				check(t, m+" "+target, resp, body)
				if resp.StatusCode < 400 {
					t.Errorf("%s %s: got %s, want a refusal", m, target, resp.Status)
				}
			}
		}
		resp, body, err := rawResponse(addr, "HEAD /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if err != nil || resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD /rss.xml: got %v, %d bytes, %v; want 200 and no body", resp.Status, len(body), err)
		}
	})

	t.Run("huge", func(t *testing.T) {
		big := strings.Repeat("a", 100<<10)
		for what, raw := range map[string]string{
			"100 KB URL":           "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n",
			"100 KB query":         "GET /rss.xml?" + big + " HTTP/1.1\r\nHost: x\r\n\r\n",
			"10 KB URL":            "GET /categories/" + big[:10<<10] + "/rss.xml HTTP/1.1\r\nHost: x\r\n\r\n",
			"100 KB header":        "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n",
			"100 KB of headers":    "GET /rss.xml HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", 100<<10/8) + "\r\n",
			"100 KB cookie":        "GET /rss.xml HTTP/1.1\r\nHost: x\r\nCookie: " + big + "\r\n\r\n",
			"100 KB host":          "GET /rss.xml HTTP/1.1\r\nHost: " + big + "\r\n\r\n",
			"100 KB If-None-Match": "GET /rss.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + strings.Repeat(`"x",`, 25<<10) + "\r\n\r\n",
		} {
			resp, body, err := rawResponse(addr, raw)
			if err != nil {
				t.Logf("%s: connection closed without an answer (%v)", what, err)
				continue
			}
			check(t, what, resp, body)
			if resp.StatusCode != 414 && resp.StatusCode != 431 && resp.StatusCode != 400 {
				t.Errorf("%s: got %s, want 414 or 431", what, resp.Status)
			}
		}
	})

	// Slow clients (slowloris) and thousands of idle connections, while
	// ordinary clients keep being answered.
	t.Run("slow and idle", func(t *testing.T) {
		stop := make(chan struct{})
		var served, failed atomic.Int64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // an ordinary reader, all along
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				resp, err := client.Get("http://" + addr + "/categories/金融/rss.xml")
				if err != nil {
					failed.Add(1)
					t.Errorf("ordinary client: %v", err)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if _, ok := built[sha256.Sum256(body)]; resp.StatusCode != 200 || !ok {
					failed.Add(1)
					t.Errorf("ordinary client: got %s, %d bytes, want a built feed", resp.Status, len(body))
					continue
				}
				served.Add(1)
			}
		}()

		// Slowloris: 200 clients sending a header a byte a second.
		const slow = 200
		var dropped atomic.Int64
		for range slow {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("slow client: %v", err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				if _, err := io.WriteString(conn, "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
					dropped.Add(1)
					return
				}
				for end := time.Now().Add(30 * time.Second); time.Now().Before(end); {
					select {
					case <-stop:
						return
					case <-time.After(time.Second):
					}
					if _, err := conn.Write([]byte("a")); err != nil {
						dropped.Add(1)
						return
					}
				}
			}()
		}

		// Idle connections: half never send a byte, half send one request
		// and keep the connection open.
		var idle []net.Conn
		var refused int
		for i := range idleConnections {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				refused++
				continue
			}
			if i%2 == 1 {
				io.WriteString(conn, "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n")
			}
			idle = append(idle, conn)
		}
		rss, peak, fds := srv.memory()
		t.Logf("with %d slow and %d idle connections open (%d refused): server RSS %.1f MiB (peak %.1f MiB), %d file descriptors", slow, len(idle), refused, rss, peak, fds)

		// Every request of an ordinary client meanwhile is answered.
		client := &http.Client{Timeout: 10 * time.Second}
		for i := range 50 {
			resp, err := client.Get("http://" + addr + "/rss.xml")
			if err != nil {
				t.Fatalf("request %d with idle connections open: %v", i, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("request %d with idle connections open: %s", i, resp.Status)
			}
		}

		// The server drops slow clients once its header timeout passes.
		time.Sleep(12 * time.Second)
		if n := dropped.Load(); n < slow*9/10 {
			t.Errorf("got %d of %d slow clients dropped after 12 s, want nearly all (header timeout)", n, slow)
		}
		closedIdle := 0
		for _, c := range idle {
			c.SetReadDeadline(time.Now().Add(time.Millisecond))
			if _, err := io.ReadAll(c); err == nil { // EOF: closed by the server
				closedIdle++
			}
			c.Close()
		}
		close(stop)
		wg.Wait()
		rss, peak, fds = srv.memory()
		t.Logf("after: %d ordinary requests served, %d failed; %d slow clients dropped; %d of %d idle connections closed by the server; RSS %.1f MiB (peak %.1f MiB), %d file descriptors",
			served.Load(), failed.Load(), dropped.Load(), closedIdle, len(idle), rss, peak, fds)
		if served.Load() == 0 {
			t.Errorf("no ordinary request served")
		}
		if peak > 1024 {
			t.Errorf("server peak memory %.0f MiB, want it bounded (under 1 GiB)", peak)
		}
	})

	// After all of it the server still answers, with the same feed.
	resp, body, err := rawResponse(addr, "GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /rss.xml after the attacks: %v, %v", resp, err)
	}
	check(t, "GET /rss.xml after the attacks", resp, body)
	if strings.Contains(srv.log.String(), "panic") {
		t.Errorf("server log mentions a panic:\n%s", srv.log.String())
	}
}
