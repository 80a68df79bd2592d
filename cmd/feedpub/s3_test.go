package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"gocloud.dev/blob"

	"feedpub/internal/validate"
)

// The tests of publishing to S3 run against moto_server (Python moto), a
// real S3-compatible server, started by each test on a free loopback port
// and stopped by it; a counting reverse proxy in front of it counts and,
// when told, holds the requests feedpub makes.

// moto is a running moto_server.
type moto struct {
	endpoint string // http://127.0.0.1:PORT
}

// startMoto starts moto_server, with auth enforced after setup when auth
// is true, or skips the test (fails it under FEEDPUB_REQUIRE_TOOLS=1) when
// moto_server is not installed.
func startMoto(t *testing.T, env ...string) *moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		msg := fmt.Sprintf("moto_server is not available (%v): pip install 'moto[server]'", err)
		if os.Getenv(validate.RequireEnv) == "1" {
			t.Fatalf("%s; %s=1 makes this a failure", msg, validate.RequireEnv)
		}
		t.Skipf("skipping: %s; set %s=1 to fail instead", msg, validate.RequireEnv)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	cmd.Env = append(os.Environ(), env...)
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	m := &moto{endpoint: "http://127.0.0.1:" + port}
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(m.endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start: %v\n%s", err, logBuf.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return m
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// signed sends a request signed with SigV4 (moto routes a request to a
// service by its signature's scope).
func (m *moto) signed(t *testing.T, method, path, service string, body []byte, creds aws.Credentials) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, m.endpoint+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if service == "iam" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

var anyCreds = aws.Credentials{AccessKeyID: "AKIAFEEDPUBTEST00000", SecretAccessKey: "secret"}

// createBucket makes a bucket in moto.
func (m *moto) createBucket(t *testing.T, name string, creds aws.Credentials) {
	t.Helper()
	resp := m.signed(t, "PUT", "/"+name, "s3", nil, creds)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("creating bucket %s: %s\n%s", name, resp.Status, body)
	}
}

// url is the gocloud URL of bucket name behind endpoint.
func s3URL(endpoint, name string) string {
	return "s3://" + name + "?endpoint=" + url.QueryEscape(endpoint) + "&use_path_style=true&region=us-east-1"
}

// s3Env is the environment of a feedpub that talks to moto with creds.
func s3Env(home string, creds aws.Credentials) []string {
	return append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE="+filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"))
}

// A counter is a reverse proxy to moto that counts the requests it passes
// on, by method and key, and holds the PUTs of objects (not feedpub's own)
// past the first hold ones until released, when hold > 0.
type counter struct {
	url string

	mu      sync.Mutex
	reqs    map[string][]string // method → keys
	hold    int                 // PUTs of objects let through before holding; 0: none held
	passed  int
	fail    int // PUTs of objects still to answer with 503 SlowDown
	release chan struct{}
}

func newCounter(t *testing.T, backend string) *counter {
	t.Helper()
	target, _ := url.Parse(backend)
	rp := httputil.NewSingleHostReverseProxy(target)
	c := &counter{reqs: map[string][]string{}, release: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if _, k, ok := strings.Cut(strings.TrimPrefix(key, "/"), "/"); ok {
			key = k
		}
		if r.URL.RawQuery != "" && r.Method == "GET" && !strings.Contains(key, "/") && key == r.URL.Path[1:] {
			key = "?list"
		}
		c.mu.Lock()
		c.reqs[r.Method] = append(c.reqs[r.Method], key)
		held := r.Method == "PUT" && !strings.HasPrefix(key, ".feedpub/") && c.hold > 0
		if held {
			c.passed++
			held = c.passed > c.hold
		}
		slow := r.Method == "PUT" && !strings.HasPrefix(key, ".feedpub/") && c.fail > 0
		if slow {
			c.fail--
		}
		c.mu.Unlock()
		if slow {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		}
		if held {
			select {
			case <-c.release:
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		c.unhold()
		srv.Close()
	})
	c.url = "http://" + ln.Addr().String()
	return c
}

// unhold lets held requests go, once.
func (c *counter) unhold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.release:
	default:
		close(c.release)
	}
}

// reset forgets the counts and sets how many object PUTs go through before
// the next are held (0: none held).
func (c *counter) reset(hold int) {
	c.mu.Lock()
	c.reqs, c.hold, c.passed = map[string][]string{}, hold, 0
	c.mu.Unlock()
}

// keys returns the keys of requests with method, feedpub's own (under
// .feedpub/) left out unless own.
func (c *counter) keys(method string, own bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, k := range c.reqs[method] {
		if own || !strings.HasPrefix(k, ".feedpub/") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ks := range c.reqs {
		n += len(ks)
	}
	return n
}

// feedpubRun runs the feedpub binary with env, returning its exit code and
// output.
func feedpubRun(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatal(err)
	}
	return 0, string(out)
}

// bucketObjects returns every object in the bucket behind u but
// feedpub's own, by key.
func bucketObjects(t *testing.T, u string, env []string) map[string][]byte {
	t.Helper()
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, v)
		}
	}
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out := map[string][]byte{}
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(o.Key, ".feedpub/") {
			continue
		}
		if out[o.Key], err = b.ReadAll(ctx, o.Key); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// sameObjects fails unless got holds exactly the files of want.
func sameObjects(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	delete(want, manifest)
	for n, body := range want {
		if !bytes.Equal(got[n], body) {
			t.Errorf("%s: %s differs from a build into a folder (%d bytes, want %d)", what, n, len(got[n]), len(body))
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: %s is in the bucket, not in a build into a folder", what, n)
		}
	}
}

// diffNames lists the names whose bytes differ from a to b, and those a
// has and b has not.
func diffNames(a, b map[string][]byte) (changed, removed []string) {
	delete(a, manifest)
	delete(b, manifest)
	for n, body := range b {
		if old, ok := a[n]; !ok || !bytes.Equal(old, body) {
			changed = append(changed, n)
		}
	}
	for n := range a {
		if _, ok := b[n]; !ok {
			removed = append(removed, n)
		}
	}
	sort.Strings(changed)
	sort.Strings(removed)
	return changed, removed
}

// iam calls moto's IAM API and returns the response body.
func (m *moto) iam(t *testing.T, form url.Values) []byte {
	t.Helper()
	form.Set("Version", "2010-05-08")
	resp := m.signed(t, "POST", "/", "iam", []byte(form.Encode()), anyCreds)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("IAM %s: %s\n%s", form.Get("Action"), resp.Status, body)
	}
	return body
}

// enforceAuth makes an IAM user allowed s3:*, returns its keys and turns
// on moto's checking of credentials.
func (m *moto) enforceAuth(t *testing.T) aws.Credentials {
	t.Helper()
	m.iam(t, url.Values{"Action": {"CreateUser"}, "UserName": {"feedpub"}})
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(m.iam(t, url.Values{"Action": {"CreateAccessKey"}, "UserName": {"feedpub"}}), &key); err != nil || key.ID == "" {
		t.Fatalf("CreateAccessKey: %v %+v", err, key)
	}
	m.iam(t, url.Values{"Action": {"PutUserPolicy"}, "UserName": {"feedpub"}, "PolicyName": {"s3"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}})
	resp, err := http.Post(m.endpoint+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
}
