package deploy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"feedpub/feed/publish"
	"feedpub/internal/validate"
)

// need returns the path of tool, or skips the test (fails it under
// FEEDPUB_REQUIRE_TOOLS=1) saying how to install it.
func need(t *testing.T, tool, install string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		msg := fmt.Sprintf("%s is not available (%v): %s", tool, err, install)
		if os.Getenv(validate.RequireEnv) == "1" {
			t.Fatalf("%s; %s=1 makes this a failure", msg, validate.RequireEnv)
		}
		t.Skipf("skipping: %s; set %s=1 to fail instead", msg, validate.RequireEnv)
	}
	return p
}

// feedpub builds the binary into a temporary folder.
func feedpub(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "feedpub")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/feedpub").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// An instruction is one line of a Dockerfile, continuations joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

// parseDockerfile reads a Dockerfile's instructions: comments and blank
// lines dropped, lines ending in a backslash joined. An unknown
// instruction is an error.
func parseDockerfile(data string) ([]instruction, error) {
	known := map[string]bool{"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true, "ADD": true,
		"COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true, "ONBUILD": true,
		"STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true}
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, l := range strings.Split(data, "\n") {
		trim := strings.TrimSpace(l)
		if cur.Len() == 0 && (trim == "" || strings.HasPrefix(trim, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trim, "\\") {
			cur.WriteString(strings.TrimSuffix(trim, "\\") + " ")
			continue
		}
		cur.WriteString(trim)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		if !known[strings.ToUpper(cmd)] {
			return nil, fmt.Errorf("line %d: unknown instruction %q", start, cmd)
		}
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: a continuation runs off the end", start)
	}
	return out, nil
}

// execForm parses a JSON exec form (["a", "b"]), failing the test if args
// are not one.
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var list []string
	if err := json.Unmarshal([]byte(in.args), &list); err != nil || len(list) == 0 {
		t.Errorf("Dockerfile:%d: %s %s: want the exec form, a JSON list (%v)", in.line, in.cmd, in.args, err)
	}
	return list
}

// The Dockerfile: two stages, the builder on go.mod's Go version making a
// static binary, the image running it as a non-root user with seeds and
// output as volumes and a HEALTHCHECK that runs feedpub healthz.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := exec.LookPath("hadolint"); err == nil {
		if out, err := exec.Command(p, "../../Dockerfile").CombinedOutput(); err != nil {
			t.Errorf("hadolint: %v\n%s", err, out)
		}
	}
	ins, err := parseDockerfile(string(data))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if goVersion == nil {
		t.Fatal("go.mod has no go line")
	}
	var stages []string
	final := map[string][]instruction{}
	for _, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, in.args)
			final = map[string][]instruction{}
		}
		final[in.cmd] = append(final[in.cmd], in)
	}
	if len(stages) != 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and the image: %v", len(stages), stages)
	}
	if want := "golang:" + string(goVersion[1]) + " AS build"; stages[0] != want {
		t.Errorf("Dockerfile: the build stage is FROM %s, want %s (go.mod's Go)", stages[0], want)
	}
	build := string(data[:strings.Index(string(data), "\nFROM "+stages[1])])
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "go build") {
		t.Error("Dockerfile: the build stage does not build a static binary (CGO_ENABLED=0 go build)")
	}
	one := func(cmd string) instruction {
		if len(final[cmd]) != 1 {
			t.Fatalf("Dockerfile: the image has %d %s, want 1", len(final[cmd]), cmd)
		}
		return final[cmd][0]
	}
	if u := one("USER").args; u == "" || u == "root" || strings.HasPrefix(u, "0") {
		t.Errorf("Dockerfile: USER %q: want a non-root user", u)
	}
	vols := execForm(t, one("VOLUME"))
	if strings.Join(vols, " ") != "/seeds /public" {
		t.Errorf("Dockerfile: VOLUME %v, want /seeds and /public", vols)
	}
	hc := one("HEALTHCHECK")
	_, cmdPart, ok := strings.Cut(hc.args, "CMD ")
	if !ok {
		t.Fatalf("Dockerfile: HEALTHCHECK %s has no CMD", hc.args)
	}
	health := execForm(t, instruction{line: hc.line, cmd: "HEALTHCHECK CMD", args: cmdPart})
	entry := execForm(t, one("ENTRYPOINT"))
	cmd := execForm(t, one("CMD"))
	if len(health) < 2 || health[0] != entry[0] || health[1] != "healthz" {
		t.Errorf("Dockerfile: HEALTHCHECK runs %v, want %s healthz", health, entry[0])
	}
	if strings.Join(cmd, " ") != "serve -seeds /seeds -addr 0.0.0.0:8080" || one("EXPOSE").args != "8080" {
		t.Errorf("Dockerfile: CMD %v, EXPOSE %s", cmd, one("EXPOSE").args)
	}
	var copied bool
	for _, c := range final["COPY"] {
		copied = copied || strings.Contains(c.args, "--from=build") && strings.Contains(c.args, entry[0])
	}
	if !copied {
		t.Errorf("Dockerfile: the image does not copy %s from the build stage", entry[0])
	}

	// The HEALTHCHECK's command works: healthy while serve runs, not once
	// it is gone.
	bin := feedpub(t)
	addr := freeAddr(t)
	seeds, _ := filepath.Abs("../../seeds")
	srv := exec.Command(bin, "serve", "-seeds", seeds, "-addr", addr)
	srv.Dir = t.TempDir()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	check := func() error { return exec.Command(bin, "healthz", "-addr", addr).Run() }
	var herr error
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if herr = check(); herr == nil {
			break
		}
	}
	srv.Process.Kill()
	srv.Wait()
	if herr != nil {
		t.Errorf("feedpub healthz against a running serve: %v", herr)
	}
	if err := check(); err == nil {
		t.Error("feedpub healthz succeeds with no server")
	}
}

// The systemd units pass systemd-analyze verify with no warning, and the
// service's sandbox scores as exposed at most 2.0 of 10.
func TestSystemdUnits(t *testing.T) {
	sa := need(t, "systemd-analyze", "apt-get install systemd")
	bin := feedpub(t)
	dir := t.TempDir()
	units := []string{"feedpub.service", "feedpub-build.service", "feedpub-build.timer"}
	var paths []string
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, u)
		if err := os.WriteFile(p, bytes.ReplaceAll(data, []byte("/usr/local/bin/feedpub"), []byte(bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(sa, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, u := range []string{"feedpub.service", "feedpub-build.service"} {
		out, err := exec.Command(sa, "security", "--offline=true", filepath.Join(dir, u)).CombinedOutput()
		if err != nil {
			t.Logf("systemd-analyze security --offline: %v (too old a systemd?)\n%s", err, out)
			continue
		}
		m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Errorf("%s: no exposure level in\n%s", u, out)
			continue
		}
		if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2.0 {
			t.Errorf("%s: exposure %s, want at most 2.0:\n%s", u, m[1], out)
		}
	}
}

// The nginx server block, in a config made for the test, passes nginx -t
// and serves a real build -gzip output on a loopback port: every kind of
// file with its type and charset, its gzip sibling to a client that takes
// gzip, and never what feedpub keeps for itself.
func TestNginxSnippet(t *testing.T) {
	ngx := need(t, "nginx", "apt-get install nginx")
	bin := feedpub(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "public")
	if b, err := exec.Command(bin, "build", "-quiet", "-gzip", "-seeds", "../../seeds", "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	if err := os.MkdirAll(filepath.Join(out, ".feedpub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, ".feedpub", "state.json.gz"), []byte("state"), 0o644)
	snippet, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	server := strings.Replace(string(snippet), "listen 80;", "listen "+addr+";", 1)
	server = strings.Replace(server, "root /srv/feedpub/public;", "root "+out+";", 1)
	if !strings.Contains(server, "listen "+addr+";") || !strings.Contains(server, "root "+out+";") {
		t.Fatal("the snippet's listen or root line moved: update this test")
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers must read the test's private temporary folder
	}
	conf := fmt.Sprintf(`%s
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
%[3]s
}
`, user, dir, server)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(ngx, "-t", "-p", dir, "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, b)
	}
	cmd := exec.Command(ngx, "-p", dir, "-c", confPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM) // the master stops its workers, then itself
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("nginx did not stop within 10 s of SIGTERM")
		}
	}()
	get := func(p string, gz bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+p, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		} else {
			req.Header.Set("Accept-Encoding", "identity")
		}
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err == nil {
				return resp
			}
			if time.Now().After(end) {
				errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
				t.Fatalf("GET %s: %v\n%s", p, err, errLog)
			}
		}
	}
	cat := firstCategory(t, out)
	post := firstPost(t, out)
	for _, p := range []string{"/", "/rss.xml", "/atom.xml", "/feed.json", "/feeds.opml", "/style.css", "/all/",
		"/categories/" + cat + "/rss.xml", "/categories/" + cat + "/atom.xml", "/categories/" + cat + "/feed.json",
		"/categories/" + cat + "/", "/posts/" + post + "/"} {
		name := strings.TrimPrefix(p, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, gz := range []bool{false, true} {
			resp := get(p, gz)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET %s: %s", p, resp.Status)
				continue
			}
			if got := resp.Header.Get("Content-Type"); got != publish.ContentType(name) {
				t.Errorf("GET %s: Content-Type %q, want %q", p, got, publish.ContentType(name))
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=60") {
				t.Errorf("GET %s: Cache-Control %q", p, cc)
			}
			if gz {
				if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("GET %s with gzip: Content-Encoding %q, Vary %q", p, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
					continue
				}
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Errorf("GET %s: %v", p, err)
					continue
				}
				body, _ = io.ReadAll(zr)
			}
			if !bytes.Equal(body, want) {
				t.Errorf("GET %s (gzip %v): the body differs from the file", p, gz)
			}
		}
	}
	for _, p := range []string{"/.feedpub-manifest", "/.feedpub/state.json.gz", "/.feedpub/", "/categories/" + cat + "/.feedpub-manifest"} {
		resp := get(p, false)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %s, want 404: feedpub's own files are never served", p, resp.Status)
		}
	}
}

func firstCategory(t *testing.T, out string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(out, "categories"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no categories in the build: %v", err)
	}
	return entries[0].Name()
}

func firstPost(t *testing.T, out string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(out, "posts"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no posts in the build: %v", err)
	}
	return entries[0].Name()
}
