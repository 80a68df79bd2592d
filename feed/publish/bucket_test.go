package publish

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/loader"
)

// memtest:// is mem:// shared between opens, by host: gocloud's mem://
// makes a new bucket on every open, and these tests publish to one bucket
// run after run. The Bucket under test opens it through the same URL mux
// and code path as s3://.
var memBuckets sync.Map

type memOpener struct{}

func (memOpener) OpenBucketURL(_ context.Context, u *url.URL) (*blob.Bucket, error) {
	v, _ := memBuckets.LoadOrStore(u.Host, memblob.OpenBucket(nil))
	return blob.PrefixedBucket(v.(*blob.Bucket), ""), nil
}

func init() { blob.DefaultURLMux().RegisterBucket("memtest", memOpener{}) }

// bucketURLs are the local stores every bucket test runs on: folders,
// memory, and Google Cloud Storage's JSON API (fake-gcs-server on
// 127.0.0.1, through feedpub's gs:// driver).
func bucketURLs(t *testing.T) map[string]string {
	return map[string]string{
		"file": "file://" + filepath.ToSlash(t.TempDir()) + "?create_dir=1",
		"mem":  "memtest://" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "?prefix=site/",
		"gs":   gsURL(t),
	}
}

// bucketSite builds posts with a 5-minute schedule.
func bucketSite(t testing.TB, posts []*loader.Post) *feed.Site {
	t.Helper()
	s, err := feed.Build(posts, feed.Config{Title: "测试站", URL: "https://news.example.com/", TTL: 5 * time.Minute, Location: time.UTC}, feedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// siteBodies is every published file of s by object name.
func siteBodies(t testing.TB, s *feed.Site) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range s.Paths() {
		name, err := fileName(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fileAt(t, s, p)
		if got := ContentType(name); got != f.Type {
			t.Errorf("%s: ContentType %q, the site says %q", name, got, f.Type)
		}
		out[name] = f.Body
	}
	return out
}

// storedObjects lists every object but feedpub's own and the foreign ones
// named in skip.
func storedObjects(t testing.TB, b *blob.Bucket, skip ...string) []string {
	t.Helper()
	var out []string
	it := b.List(nil)
	for {
		o, err := it.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(o.Key, stateDir) && !contains(skip, o.Key) {
			out = append(out, o.Key)
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkBucket checks that b holds exactly the site's files (with foreign
// objects besides), each with its bytes and metadata in layout.
func checkBucket(t testing.TB, b *blob.Bucket, s *feed.Site, layout Layout, foreign ...string) {
	t.Helper()
	ctx := context.Background()
	want := siteBodies(t, s)
	var names []string
	for n := range want {
		names = append(names, n)
		if layout == LayoutSibling {
			names = append(names, n+".gz")
		}
	}
	sort.Strings(names)
	if got := storedObjects(t, b, foreign...); strings.Join(got, "\n") != strings.Join(names, "\n") {
		t.Fatalf("stored %d objects, want %d: %v\nwant %v", len(got), len(names), got, names)
	}
	for _, n := range names {
		a, err := b.Attributes(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		data, err := b.ReadAll(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		base, gz := strings.CutSuffix(n, ".gz")
		gz = gz || layout == LayoutGzip
		if gz {
			if a.ContentEncoding != "gzip" {
				t.Errorf("%s: Content-Encoding %q, want gzip", n, a.ContentEncoding)
			}
			if data = gunzipBytes(t, n, data); data == nil {
				continue
			}
		} else if a.ContentEncoding != "" {
			t.Errorf("%s: Content-Encoding %q, want none", n, a.ContentEncoding)
		}
		if !bytes.Equal(data, want[base]) {
			t.Errorf("%s: stored bytes differ from the site's", n)
		}
		if a.ContentType != ContentType(base) || !strings.Contains(a.ContentType, "charset=utf-8") {
			t.Errorf("%s: Content-Type %q, want %q", n, a.ContentType, ContentType(base))
		}
		if wantCC := "public, max-age=300, s-maxage=300, stale-while-revalidate=300, stale-if-error=86400"; a.CacheControl != wantCC {
			t.Errorf("%s: Cache-Control %q, want %q", n, a.CacheControl, wantCC)
		}
	}
}

func gunzipBytes(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: not gzip: %v", name, err)
		return nil
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return nil
	}
	return out
}

// changedNames counts the names whose bytes differ between two sites,
// added and removed ones included.
func changedNames(t testing.TB, a, b *feed.Site) (changed, removed int) {
	wa, wb := siteBodies(t, a), siteBodies(t, b)
	for n, body := range wb {
		if old, ok := wa[n]; !ok || !bytes.Equal(old, body) {
			changed++
		}
	}
	for n := range wa {
		if _, ok := wb[n]; !ok {
			removed++
		}
	}
	return changed, removed
}

func upload(t testing.TB, s *feed.Site, u string, opt BucketOptions) Stats {
	t.Helper()
	st, err := Upload(context.Background(), s, u, opt)
	if err != nil {
		t.Fatalf("upload: %v (after %v)", err, st)
	}
	return st
}

// The posts of the bucket tests: feedtest's, and one in a category of its
// own, to be removed.
func bucketPosts() []*loader.Post {
	return append(feedtest.Posts(), feedtest.Post("misc/lonely.md", "A lonely post", "Lonely"))
}

func TestBucketIncremental(t *testing.T) {
	for kind, u := range bucketURLs(t) {
		t.Run(kind, func(t *testing.T) {
			opt := BucketOptions{TTL: 5 * time.Minute}
			raw := feedtest.OpenBucket(t, u)
			if err := raw.WriteAll(context.Background(), "keep.txt", []byte("not feedpub's"), nil); err != nil {
				t.Fatal(err)
			}
			s1 := bucketSite(t, bucketPosts())
			st := upload(t, s1, u, opt)
			if st.Uploaded != len(s1.Paths()) || st.Unchanged != 0 || st.Deleted != 0 {
				t.Errorf("first run: %v, want %d uploaded", st, len(s1.Paths()))
			}
			checkBucket(t, raw, s1, LayoutPlain, "keep.txt")

			st = upload(t, s1, u, opt)
			if st.Uploaded != 0 || st.Unchanged != len(s1.Paths()) || st.Deleted != 0 {
				t.Errorf("nothing changed: %v", st)
			}
			if st.Requests > 6 {
				t.Errorf("nothing changed: %d requests, want at most 6 (lock, state, manifest, unlock)", st.Requests)
			}

			posts := bucketPosts()
			posts[2].Title = "马拉松报名开启（更正）"
			s2 := bucketSite(t, posts)
			changed, _ := changedNames(t, s1, s2)
			st = upload(t, s2, u, opt)
			if st.Uploaded != changed || st.Deleted != 0 || changed == 0 {
				t.Errorf("one post changed: %v, want %d uploaded", st, changed)
			}
			checkBucket(t, raw, s2, LayoutPlain, "keep.txt")

			s3 := bucketSite(t, posts[:len(posts)-1]) // the Lonely category goes
			changed, removed := changedNames(t, s2, s3)
			st = upload(t, s3, u, opt)
			if st.Uploaded != changed || st.Deleted != removed || removed < 4 {
				t.Errorf("a category removed: %v, want %d uploaded, %d deleted", st, changed, removed)
			}
			checkBucket(t, raw, s3, LayoutPlain, "keep.txt")
			if ok, _ := raw.Exists(context.Background(), "categories/lonely/rss.xml"); ok {
				t.Error("the removed category's feed is still there")
			}
		})
	}
}

func TestBucketLayouts(t *testing.T) {
	s := bucketSite(t, bucketPosts())
	for _, l := range []Layout{LayoutGzip, LayoutSibling} {
		for kind, u := range bucketURLs(t) {
			t.Run(string(l)+"/"+kind, func(t *testing.T) {
				opt := BucketOptions{TTL: 5 * time.Minute, Layout: l}
				upload(t, s, u, opt)
				checkBucket(t, feedtest.OpenBucket(t, u), s, l)
				if st := upload(t, s, u, opt); st.Uploaded != 0 {
					t.Errorf("second run uploaded %d", st.Uploaded)
				}
				// Back to plain: gzip'd objects are uploaded again, .gz
				// siblings deleted.
				opt.Layout = LayoutPlain
				st := upload(t, s, u, opt)
				n := len(s.Paths())
				if (l == LayoutGzip && (st.Uploaded != n || st.Deleted != 0)) || (l == LayoutSibling && (st.Uploaded != 0 || st.Deleted != n)) {
					t.Errorf("layout changed: %v", st)
				}
				checkBucket(t, feedtest.OpenBucket(t, u), s, LayoutPlain)
			})
		}
	}
}

func TestBucketDryRun(t *testing.T) {
	u := bucketURLs(t)["file"]
	s1 := bucketSite(t, bucketPosts())
	opt := BucketOptions{TTL: 5 * time.Minute, DryRun: true}
	st := upload(t, s1, u, opt)
	if st.Uploaded != 0 || len(st.Changes) != len(s1.Paths())+1 { // the manifest too
		t.Errorf("dry run of a first upload: %v, %d changes", st, len(st.Changes))
	}
	if got := storedObjects(t, feedtest.OpenBucket(t, u)); len(got) != 0 {
		t.Errorf("a dry run stored %v", got)
	}
	opt.DryRun = false
	upload(t, s1, u, opt)
	s2 := bucketSite(t, bucketPosts()[:len(bucketPosts())-1])
	changed, removed := changedNames(t, s1, s2)
	opt.DryRun = true
	st = upload(t, s2, u, opt)
	var del int
	for _, c := range st.Changes {
		if strings.HasPrefix(c, "delete ") {
			del++
		}
	}
	if del != removed || len(st.Changes) != changed+removed+1 {
		t.Errorf("dry run: %d changes (%d deletions), want %d uploads, %d deletions and the manifest: %v", len(st.Changes), del, changed, removed, st.Changes)
	}
	checkBucket(t, feedtest.OpenBucket(t, u), s1, LayoutPlain) // untouched
}

func TestBucketLock(t *testing.T) {
	ctx := context.Background()
	for kind, u := range bucketURLs(t) {
		t.Run(kind, func(t *testing.T) {
			a, err := OpenBucket(ctx, u, BucketOptions{Owner: "writer A"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Upload(ctx, bucketSite(t, bucketPosts()), u, BucketOptions{Owner: "writer B"})
			if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "writer A") {
				t.Errorf("a second writer: %v, want ErrLocked naming writer A", err)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			upload(t, bucketSite(t, bucketPosts()), u, BucketOptions{Owner: "writer B"})

			// A lock left by a run killed on another host is taken over once
			// expired, not before.
			raw := feedtest.OpenBucket(t, u)
			lockAt := func(exp time.Time) {
				body := `{"owner":"elsewhere:1","token":"x","host":"elsewhere","pid":1,"expires":"` + exp.Format(time.RFC3339) + `"}`
				if err := raw.WriteAll(ctx, lockKey, []byte(body), nil); err != nil {
					t.Fatal(err)
				}
			}
			lockAt(time.Now().Add(time.Hour))
			if _, err := OpenBucket(ctx, u, BucketOptions{}); !errors.Is(err, ErrLocked) {
				t.Errorf("a live lock of another host: %v, want ErrLocked", err)
			}
			lockAt(time.Now().Add(-time.Second))
			b, err := OpenBucket(ctx, u, BucketOptions{})
			if err != nil {
				t.Fatalf("an expired lock: %v", err)
			}
			b.Close()
			if ok, _ := raw.Exists(ctx, lockKey); ok {
				t.Error("the lock is still there after Close")
			}
		})
	}
}

// A run stopped half way (its context cancelled after some uploads) is
// completed by the next, which uploads what is missing or may differ.
func TestBucketInterrupted(t *testing.T) {
	for kind, u := range bucketURLs(t) {
		t.Run(kind, func(t *testing.T) {
			s1 := bucketSite(t, bucketPosts())
			opt := BucketOptions{TTL: 5 * time.Minute, Parallel: 2}
			upload(t, s1, u, opt)
			posts := bucketPosts()
			for _, p := range posts {
				p.Title += " (v2)"
			}
			s2 := bucketSite(t, posts[:len(posts)-1])
			ctx, cancel := context.WithCancel(context.Background())
			stop := opt
			stop.Progress = func(done, _ int) {
				if done == 10 {
					cancel()
				}
			}
			st, err := Upload(ctx, s2, u, stop)
			if err == nil || st.Deleted != 0 {
				t.Fatalf("interrupted run: %v, %v; want an error and no deletion", err, st)
			}
			raw := feedtest.OpenBucket(t, u)
			if ok, _ := raw.Exists(context.Background(), "categories/lonely/rss.xml"); !ok {
				t.Error("an interrupted run deleted before its uploads were done")
			}
			st = upload(t, s2, u, opt)
			if st.Uploaded == 0 || st.Deleted == 0 {
				t.Errorf("the next run: %v", st)
			}
			checkBucket(t, raw, s2, LayoutPlain)
			if st := upload(t, s2, u, opt); st.Uploaded != 0 {
				t.Errorf("after completing: %v", st)
			}
		})
	}
}

// A state that says "in progress" is checked against the store: an object
// that an interrupted upload replaced is uploaded again even when the state
// still has the digest the site wants.
func TestBucketStateCheckedAfterInterruption(t *testing.T) {
	ctx := context.Background()
	u := bucketURLs(t)["mem"]
	s := bucketSite(t, bucketPosts())
	upload(t, s, u, BucketOptions{TTL: 5 * time.Minute})
	b, err := OpenBucket(ctx, u, BucketOptions{TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// The state is marked "in progress", then an upload that the state
	// never recorded replaces rss.xml, and the run dies.
	if err := b.begin(); err != nil {
		t.Fatal(err)
	}
	if err := b.b.WriteAll(ctx, "rss.xml", []byte("half way"), nil); err != nil {
		t.Fatal(err)
	}
	b.Close()
	st := upload(t, s, u, BucketOptions{TTL: 5 * time.Minute})
	if st.Uploaded != 1 {
		t.Errorf("after an interrupted run: %v, want rss.xml uploaded again", st)
	}
	checkBucket(t, feedtest.OpenBucket(t, u), s, LayoutPlain)
}

func TestIsBucketURL(t *testing.T) {
	for s, want := range map[string]bool{
		"public": false, "/srv/www/feeds": false, "./out": false, `C:\out`: false,
		"s3://b": true, "gs://b/x": true, "azblob://c": true, "file:///tmp/x": true, "mem://": true,
	} {
		if IsBucketURL(s) != want {
			t.Errorf("IsBucketURL(%q) = %v", s, !want)
		}
	}
}

type statusErr int

func (e statusErr) Error() string       { return "status " + strconv.Itoa(int(e)) }
func (e statusErr) HTTPStatusCode() int { return int(e) }

func TestTransient(t *testing.T) {
	for err, want := range map[error]bool{
		statusErr(503): true, statusErr(500): true, statusErr(429): true,
		statusErr(403): false, statusErr(404): false, statusErr(412): false,
		io.ErrUnexpectedEOF: true, errors.New("no such bucket"): false,
	} {
		if got := transient(fmt.Errorf("wrapped: %w", err)); got != want {
			t.Errorf("transient(%v) = %v", err, got)
		}
	}
}

// fileAt is the file at path p of s, failing the test when it has none.
func fileAt(t testing.TB, s *feed.Site, p string) *feed.File {
	t.Helper()
	f, err := s.File(p)
	if err != nil || f == nil {
		t.Fatalf("%s: %v (file %v)", p, err, f)
	}
	return f
}
