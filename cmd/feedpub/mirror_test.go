package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob"

	"feedpub/feed/publish"
)

// serve -publish: each rebuild reaches the bucket, in the background, and
// the bucket's feed is the served one byte for byte. A rebuild does not
// wait for the upload: a bucket that fails (its lock held by another
// writer) is logged and counted while serving goes on.
func TestServeMirrorsToBucket(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	u := "file://" + filepath.ToSlash(t.TempDir()) + "?create_dir=1"
	s.mirror = newMirror(u, publish.BucketOptions{TTL: time.Hour}, s.log)
	livePost(t, seeds, "a.md", "first", time.Now().Add(-time.Hour))
	start(t, s, nil)
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	served(t, s, "first", 5*time.Second)
	inBucket(t, s, u, "first")

	livePost(t, seeds, "b.md", "second", time.Now().Add(-time.Minute))
	served(t, s, "second", 5*time.Second)
	inBucket(t, s, u, "second")

	// Another writer holds the bucket: the upload fails, the rebuild and
	// serving do not.
	// (The mirror may still be uploading a rebuild the watcher asked for:
	// wait for its lock to go.)
	var other *publish.Bucket
	var err error
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		other, err = publish.OpenBucket(context.Background(), u, publish.BucketOptions{Owner: "another writer"})
		if err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatal(err)
		}
	}
	defer other.Close()
	livePost(t, seeds, "c.md", "third", time.Now().Add(-time.Second))
	served(t, s, "third", 5*time.Second)
	for end := time.Now().Add(10 * time.Second); s.mirror.failures.Load() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("a refused upload was not counted")
		}
	}
	if !strings.Contains(logs.String(), "another writer") {
		t.Errorf("the log does not say who holds the bucket")
	}
	other.Close()
	livePost(t, seeds, "d.md", "fourth", time.Now().Add(-time.Second))
	served(t, s, "fourth", 5*time.Second)
	inBucket(t, s, u, "fourth")
}

// inBucket waits until the bucket's rss.xml is the served one and holds
// text.
func inBucket(t *testing.T, s *server, u, text string) {
	t.Helper()
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var got []byte
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		got, _ = b.ReadAll(ctx, "rss.xml")
		if bytes.Contains(got, []byte(text)) && bytes.Equal(got, servedBody(s, "/rss.xml")) {
			return
		}
	}
	t.Fatalf("the bucket's rss.xml never became the served one with %q:\n%s", text, got)
}

// Two serve replicas of one folder of posts agree byte for byte: every
// path has the same ETag at both, so a CDN or load balancer may send a
// reader to either.
func TestReplicasAgree(t *testing.T) {
	seeds := t.TempDir()
	now := time.Now()
	for i, title := range []string{"一", "two", "три"} {
		livePost(t, seeds, fmt.Sprintf("p%d.md", i), title, now.Add(-time.Duration(i+1)*time.Hour))
	}
	var replicas []*server
	for range 2 {
		fc := &fileConfig{Timezone: "UTC", Schedule: "@every 1h", Seeds: seeds, Out: t.TempDir(), Addr: "127.0.0.1:0"}
		cfg, err := fc.check()
		if err != nil {
			t.Fatal(err)
		}
		s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		start(t, s, nil)
		served(t, s, "три", 5*time.Second)
		replicas = append(replicas, s)
	}
	a, b := replicas[0].handler.Site(), replicas[1].handler.Site()
	if strings.Join(a.Paths(), " ") != strings.Join(b.Paths(), " ") {
		t.Fatalf("the replicas publish different paths:\n%v\n%v", a.Paths(), b.Paths())
	}
	for _, p := range a.Paths() {
		fa, err := a.File(p)
		if err != nil {
			t.Fatal(err)
		}
		fb, err := b.File(p)
		if err != nil {
			t.Fatal(err)
		}
		if fa.ETag != fb.ETag || !bytes.Equal(fa.Body, fb.Body) {
			t.Errorf("%s: ETag %s at one replica, %s at the other", p, fa.ETag, fb.ETag)
		}
	}
}
