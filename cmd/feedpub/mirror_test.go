package main

import (
	"bytes"
	"context"
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
	start(t, s)
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
	other, err := publish.OpenBucket(context.Background(), u, publish.BucketOptions{Owner: "another writer"})
	if err != nil {
		t.Fatal(err)
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
		if bytes.Contains(got, []byte(text)) && bytes.Equal(got, bodyAt(s.handler.Site(), "/rss.xml")) {
			return
		}
	}
	t.Fatalf("the bucket's rss.xml never became the served one with %q:\n%s", text, got)
}
