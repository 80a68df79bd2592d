package main

import (
	"feedpub/internal/feedtest"

	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gocloud.dev/blob"
)

// s3Site is a seed folder and what `build` writes for it into a folder,
// the reference every upload is compared with.
type s3Site struct {
	t     *testing.T
	bin   string
	seeds string
}

func (s *s3Site) reference() map[string][]byte {
	out := filepath.Join(s.t.TempDir(), "out")
	if code, msg := feedpubRun(s.t, s.bin, os.Environ(), "build", "-quiet", "-seeds", s.seeds, "-out", out); code != 0 {
		s.t.Fatalf("build into a folder: exit %d\n%s", code, msg)
	}
	return feedtest.ReadTree(s.t, out)
}

// upload runs build -out u with env and wants exit 0.
func (s *s3Site) upload(u string, env []string, args ...string) string {
	s.t.Helper()
	code, msg := feedpubRun(s.t, s.bin, env, append([]string{"build", "-seeds", s.seeds, "-out", u}, args...)...)
	if code != 0 {
		s.t.Fatalf("build -out %s: exit %d\n%s", u, code, msg)
	}
	return msg
}

func newS3Site(t *testing.T) *s3Site {
	s := &s3Site{t: t, bin: buildBinary(t), seeds: filepath.Join(t.TempDir(), "seeds")}
	genPosts(t, s.seeds, 60, "a")
	s.addTemporary()
	return s
}

// newASCIIS3Site is a site whose paths are all ASCII: moto 5.2 computes
// SigV4 signatures of non-ASCII keys differently from the AWS SDK (real
// S3 agrees with the SDK), which only matters once moto checks them.
func newASCIIS3Site(t *testing.T) *s3Site {
	s := &s3Site{t: t, bin: buildBinary(t), seeds: filepath.Join(t.TempDir(), "seeds")}
	if err := os.MkdirAll(s.seeds, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		text := fmt.Sprintf("---\ntitle: Post %d\ndate: 2024-02-%02d\ncategories: [Cat %d]\n---\n<p>text %d</p>\n", i, i+1, i%4, i)
		if err := os.WriteFile(filepath.Join(s.seeds, fmt.Sprintf("p%02d.html", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.addTemporary()
	return s
}

func (s *s3Site) addTemporary() {
	t := s.t
	for i := range 3 { // a category of their own, removed later
		text := "---\ntitle: Temporary " + string(rune('A'+i)) + "\ndate: 2024-01-0" + string(rune('1'+i)) + "\ncategories: [Temporary]\n---\n<p>soon gone</p>\n"
		if err := os.WriteFile(filepath.Join(s.seeds, "temp-"+string(rune('a'+i))+".html"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *s3Site) edit(name, old, new string) {
	p := filepath.Join(s.seeds, name)
	b, err := os.ReadFile(p)
	if err != nil {
		s.t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		s.t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *s3Site) removeTemporary() {
	for i := range 3 {
		if err := os.Remove(filepath.Join(s.seeds, "temp-"+string(rune('a'+i))+".html")); err != nil {
			s.t.Fatal(err)
		}
	}
}

func names(m map[string][]byte) []string {
	var out []string
	for n := range m {
		if n != manifest {
			out = append(out, n)
		}
	}
	return sortedStrings(out)
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func sameList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: got %d %v\nwant %d %v", what, len(got), got, len(want), want)
	}
}

// TestBuildToS3 publishes to moto, run after run: first upload, one post
// changed (only the changed objects are PUT), nothing changed, a category
// removed (its feeds deleted, after the uploads), and the metadata of each
// kind of object.
func TestBuildToS3(t *testing.T) {
	m := startMoto(t)
	s := newS3Site(t)
	m.createBucket(t, "feeds", anyCreds)
	c := newCounter(t, m.endpoint)
	env := s3Env(t.TempDir(), anyCreds)
	u := s3URL(c.url, "feeds")

	ref := s.reference()
	msg := s.upload(u, env)
	sameList(t, "first run: PUTs", c.keys("PUT", false), names(ref))
	if !strings.Contains(msg, "uploaded") {
		t.Errorf("no summary line:\n%s", msg)
	}
	sameObjects(t, "first run", bucketObjects(t, s3URL(m.endpoint, "feeds"), env), ref)

	s.edit("07/post-00007.html", "Post 7 a", "Post 7 a, corrected")
	ref2 := s.reference()
	changed, _ := diffNames(ref, ref2)
	c.reset(0)
	s.upload(u, env)
	sameList(t, "one post changed: PUTs", c.keys("PUT", false), changed)
	sameList(t, "one post changed: DELETEs", c.keys("DELETE", false), nil)
	sameObjects(t, "one post changed", bucketObjects(t, s3URL(m.endpoint, "feeds"), env), ref2)

	c.reset(0)
	s.upload(u, env)
	sameList(t, "nothing changed: PUTs", c.keys("PUT", false), nil)

	if n := c.total(); n > 6 {
		t.Errorf("nothing changed: %d requests, want at most 6: %v", n, c.reqs)
	}

	// Throttled: the first 12 PUTs of objects get 503 SlowDown; the run
	// retries (the SDK, then feedpub with back-off) and succeeds.
	s.edit("07/post-00007.html", "corrected", "corrected twice")
	ref2 = s.reference()
	c.reset(0)
	c.mu.Lock()
	c.fail = 12
	c.mu.Unlock()
	s.upload(u, env)
	if c.fail != 0 {
		t.Errorf("the throttled run made fewer PUTs than the 503s it was given")
	}
	sameObjects(t, "throttled", bucketObjects(t, s3URL(m.endpoint, "feeds"), env), ref2)

	s.removeTemporary()
	ref3 := s.reference()
	changed, removed := diffNames(ref2, ref3)
	c.reset(0)
	s.upload(u, env)
	sameList(t, "a category removed: PUTs", c.keys("PUT", false), changed)
	sameList(t, "a category removed: DELETEs", c.keys("DELETE", false), removed)
	if !contains(removed, "categories/temporary/rss.xml") {
		t.Errorf("removing the category's posts removes no feed of it: %v", removed)
	}
	sameObjects(t, "a category removed", bucketObjects(t, s3URL(m.endpoint, "feeds"), env), ref3)

	checkS3Metadata(t, m, env, s, ref3)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkS3Metadata checks each kind of object as S3 holds it, in the plain
// layout and the gzip one.
func checkS3Metadata(t *testing.T, m *moto, env []string, s *s3Site, ref map[string][]byte) {
	m.createBucket(t, "gzipped", anyCreds)
	s.upload(s3URL(m.endpoint, "gzipped"), env, "-layout", "gzip", "-quiet")
	kinds := map[string]string{
		"rss.xml":                         "application/rss+xml; charset=utf-8",
		"atom.xml":                        "application/atom+xml; charset=utf-8",
		"feed.json":                       "application/feed+json; charset=utf-8",
		"categories/金融/rss.xml":           "application/rss+xml; charset=utf-8",
		"index.html":                      "text/html; charset=utf-8",
		"posts/post-00007/index.html":     "text/html; charset=utf-8",
		"feeds.opml":                      "text/x-opml; charset=utf-8",
		"style.css":                       "text/css; charset=utf-8",
		"categories/open-source/atom.xml": "application/atom+xml; charset=utf-8",
	}
	ctx := context.Background()
	for _, bucket := range []string{"feeds", "gzipped"} {
		b, err := blob.OpenBucket(ctx, s3URL(m.endpoint, bucket))
		if err != nil {
			t.Fatal(err)
		}
		for name, typ := range kinds {
			if _, ok := ref[name]; !ok {
				t.Errorf("the site has no %s", name)
				continue
			}
			a, err := b.Attributes(ctx, name)
			if err != nil {
				t.Errorf("%s/%s: %v", bucket, name, err)
				continue
			}
			if a.ContentType != typ {
				t.Errorf("%s/%s: Content-Type %q, want %q", bucket, name, a.ContentType, typ)
			}
			// build's objects are kept for build_ttl (an hour by default),
			// not for serve's schedule.
			if want := "public, max-age=3600, s-maxage=3600, stale-while-revalidate=3600, stale-if-error=86400"; a.CacheControl != want {
				t.Errorf("%s/%s: Cache-Control %q, want %q", bucket, name, a.CacheControl, want)
			}
			data, err := b.ReadAll(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if bucket == "gzipped" {
				if a.ContentEncoding != "gzip" {
					t.Errorf("%s/%s: Content-Encoding %q, want gzip", bucket, name, a.ContentEncoding)
				}
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s/%s: %v", bucket, name, err)
				}
				data, _ = io.ReadAll(zr)
			} else if a.ContentEncoding != "" {
				t.Errorf("%s/%s: Content-Encoding %q, want none", bucket, name, a.ContentEncoding)
			}
			if !bytes.Equal(data, ref[name]) {
				t.Errorf("%s/%s: bytes differ from the folder build", bucket, name)
			}
		}
		if ok, _ := b.Exists(ctx, ".feedpub/state.json.gz"); !ok {
			t.Errorf("%s: no state", bucket)
		}
		if ok, _ := b.Exists(ctx, ".feedpub/lock"); ok {
			t.Errorf("%s: the lock outlived the run", bucket)
		}
		b.Close()
	}
}

// TestBuildToS3Killed kills an upload half way (SIGKILL while the S3
// server holds its PUTs): the next run takes over the dead run's lock and
// completes it, and the bucket holds exactly the site.
func TestBuildToS3Killed(t *testing.T) {
	m := startMoto(t)
	s := newS3Site(t)
	m.createBucket(t, "feeds", anyCreds)
	c := newCounter(t, m.endpoint)
	env := s3Env(t.TempDir(), anyCreds)
	u := s3URL(c.url, "feeds")
	s.upload(u, env)

	s.edit("07/post-00007.html", "Post 7 a", "Post 7 b")
	s.edit("08/post-00008.txt", "Post 8 a", "Post 8 b")
	s.removeTemporary()
	ref := s.reference()
	c.reset(3) // three PUTs of objects go through, the next are held
	cmd := exec.Command(s.bin, "build", "-quiet", "-seeds", s.seeds, "-out", u)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); len(c.keys("PUT", false)) < 5; {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the upload never reached its fifth PUT: %v\n%s", c.keys("PUT", false), out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if n := len(c.keys("DELETE", false)); n != 0 {
		t.Fatalf("the killed run deleted %d objects before its uploads were done", n)
	}
	c.unhold()
	c.reset(0)
	msg := s.upload(u, env)
	if !strings.Contains(msg, "taking over") {
		t.Errorf("the next run does not say it took over the lock:\n%s", msg)
	}
	sameObjects(t, "after a killed run", bucketObjects(t, s3URL(m.endpoint, "feeds"), env), ref)
	c.reset(0)
	s.upload(u, env)
	sameList(t, "the run after: PUTs", c.keys("PUT", false), nil)
}

// TestBuildToS3TwoWriters: a second writer is refused while the first
// holds the bucket (its uploads held by the server), and the first
// completes.
func TestBuildToS3TwoWriters(t *testing.T) {
	m := startMoto(t)
	s := newS3Site(t)
	m.createBucket(t, "feeds", anyCreds)
	c := newCounter(t, m.endpoint)
	env := s3Env(t.TempDir(), anyCreds)
	c.reset(2)
	a := exec.Command(s.bin, "build", "-quiet", "-seeds", s.seeds, "-out", s3URL(c.url, "feeds"))
	a.Env = env
	var out bytes.Buffer
	a.Stdout, a.Stderr = &out, &out
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	for len(c.keys("PUT", false)) < 3 {
		time.Sleep(20 * time.Millisecond)
	}
	code, msg := feedpubRun(t, s.bin, env, "build", "-seeds", s.seeds, "-out", s3URL(m.endpoint, "feeds"))
	if code != 1 || !strings.Contains(msg, "another feedpub is publishing") {
		t.Errorf("a second writer: exit %d, want 1 and a message naming the lock:\n%s", code, msg)
	}
	c.unhold()
	if err := a.Wait(); err != nil {
		t.Fatalf("the first writer: %v\n%s", err, out.String())
	}
	sameObjects(t, "two writers", bucketObjects(t, s3URL(m.endpoint, "feeds"), env), s.reference())
}

// TestBuildToS3WrongCredentials: moto checking credentials, a run with a
// wrong key exits 1 with the store's reason and deletes nothing.
func TestBuildToS3WrongCredentials(t *testing.T) {
	m := startMoto(t)
	creds := m.enforceAuth(t)
	m.createBucket(t, "feeds", creds)
	s := newASCIIS3Site(t)
	env := s3Env(t.TempDir(), creds)
	u := s3URL(m.endpoint, "feeds")
	s.upload(u, env)
	before := bucketObjects(t, u, env)

	s.removeTemporary()
	wrong := s3Env(t.TempDir(), aws.Credentials{AccessKeyID: "AKIAWRONGWRONGWRONG0", SecretAccessKey: "wrong"})
	code, msg := feedpubRun(t, s.bin, wrong, "build", "-seeds", s.seeds, "-out", u)
	if code != 1 || !strings.Contains(msg, "InvalidAccessKeyId") || !strings.Contains(msg, "check the credentials") {
		t.Errorf("wrong credentials: exit %d, want 1 and the store's reason:\n%s", code, msg)
	}
	t.Logf("with wrong credentials, feedpub says:\n%s", msg)
	if strings.Count(msg, "\n") > 5 {
		t.Errorf("wrong credentials: a long message:\n%s", msg)
	}
	after := bucketObjects(t, u, env)
	sameList(t, "wrong credentials: objects", names(after), names(before))
}
