package gcsjson

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"

	"feedpub/feed/publish/gcsjson/gcstest"
	"feedpub/internal/feedtest"
)

// startFake starts fake-gcs-server with the buckets named and points gs://
// at it.
func startFake(t *testing.T, buckets ...string) string { return gcstest.Start(t, buckets...) }

func gz(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestObjects writes objects with feedpub's metadata and reads them back:
// the stored bytes (gzip'd ones as stored), the metadata, the MD5.
func TestObjects(t *testing.T) {
	startFake(t, "feeds")
	b := feedtest.OpenBucket(t, "gs://feeds")
	ctx := context.Background()
	objs := map[string]*blob.WriterOptions{
		"rss.xml":                  {ContentType: "application/rss+xml; charset=utf-8", CacheControl: "public, max-age=300"},
		"categories/金融/atom.xml":   {ContentType: "application/atom+xml; charset=utf-8", ContentEncoding: "gzip", CacheControl: "public, max-age=60"},
		"posts/a b+c%d/index.html": {ContentType: "text/html; charset=utf-8", CacheControl: "no-store", Metadata: map[string]string{"k": "v"}},
	}
	bodies := map[string][]byte{}
	for key, opt := range objs {
		body := []byte("<x>" + key + "</x>")
		if opt.ContentEncoding == "gzip" {
			body = gz(t, string(body))
		}
		sum := md5.Sum(body)
		opt.ContentMD5 = sum[:]
		bodies[key] = body
		if err := b.WriteAll(ctx, key, body, opt); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	for key, opt := range objs {
		a, err := b.Attributes(ctx, key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if a.ContentType != opt.ContentType || a.ContentEncoding != opt.ContentEncoding || a.CacheControl != opt.CacheControl {
			t.Errorf("%s: stored type %q encoding %q cache %q, want %q %q %q", key, a.ContentType, a.ContentEncoding, a.CacheControl,
				opt.ContentType, opt.ContentEncoding, opt.CacheControl)
		}
		if !bytes.Equal(a.MD5, opt.ContentMD5) || a.Size != int64(len(bodies[key])) || a.ModTime.IsZero() || a.ETag == "" {
			t.Errorf("%s: MD5 %x size %d mod %v etag %q, want %x %d", key, a.MD5, a.Size, a.ModTime, a.ETag, opt.ContentMD5, len(bodies[key]))
		}
		if opt.Metadata != nil && a.Metadata["k"] != "v" {
			t.Errorf("%s: metadata %v", key, a.Metadata)
		}
		got, err := b.ReadAll(ctx, key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if !bytes.Equal(got, bodies[key]) {
			t.Errorf("%s: read %q, stored %q", key, got, bodies[key])
		}
	}
	if err := b.Copy(ctx, "copy/金融.xml", "categories/金融/atom.xml", nil); err != nil {
		t.Fatal(err)
	}
	if a, err := b.Attributes(ctx, "copy/金融.xml"); err != nil || a.ContentEncoding != "gzip" || !bytes.Equal(a.MD5, objs["categories/金融/atom.xml"].ContentMD5) {
		t.Errorf("the copy: %+v, %v", a, err)
	}
	r, err := b.NewRangeReader(ctx, "rss.xml", 3, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r)
	r.Close()
	if string(part) != "rss." || r.Size() != int64(len(bodies["rss.xml"])) {
		t.Errorf("range 3+4: %q of %d bytes", part, r.Size())
	}
}

// TestMissingAndConditional: the codes feedpub acts on.
func TestMissingAndConditional(t *testing.T) {
	startFake(t, "feeds")
	b := feedtest.OpenBucket(t, "gs://feeds")
	ctx := context.Background()
	_, err := b.ReadAll(ctx, ".feedpub/state.json.gz")
	if gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("reading a missing object: %v (%v), want NotFound", gcerrors.Code(err), err)
	}
	if _, err := b.Attributes(ctx, "nope"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("attributes of a missing object: %v", err)
	}
	if err := b.Delete(ctx, "nope"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("deleting a missing object: %v", err)
	}
	lock := &blob.WriterOptions{ContentType: "application/json", CacheControl: "no-store", IfNotExist: true}
	if err := b.WriteAll(ctx, ".feedpub/lock", []byte(`{"owner":"a"}`), lock); err != nil {
		t.Fatal(err)
	}
	err = b.WriteAll(ctx, ".feedpub/lock", []byte(`{"owner":"b"}`), lock)
	if gcerrors.Code(err) != gcerrors.FailedPrecondition {
		t.Errorf("a second conditional create: %v (%v), want FailedPrecondition", gcerrors.Code(err), err)
	}
	if got, _ := b.ReadAll(ctx, ".feedpub/lock"); string(got) != `{"owner":"a"}` {
		t.Errorf("the lock holds %s after a refused create", got)
	}
	if err := b.WriteAll(ctx, ".feedpub/lock", []byte(`{"owner":"a2"}`), &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		t.Errorf("an unconditional rewrite: %v", err)
	}
	if err := b.Delete(ctx, ".feedpub/lock"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Exists(ctx, ".feedpub/lock"); ok || err != nil {
		t.Errorf("deleted, yet exists=%v (%v)", ok, err)
	}
	if err := b.WriteAll(ctx, ".feedpub/lock", []byte("x"), lock); err != nil {
		t.Errorf("a conditional create after the delete: %v", err)
	}
	if err := b.WriteAll(ctx, "a/../b", []byte("x"), nil); gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Errorf("a key gcsblob would escape: %v", err)
	}
}

// TestStoreChecksMD5: an upload whose body does not match the MD5 it
// declares is refused by the store (the portable type checks it before
// too; this is the driver's own request).
func TestStoreChecksMD5(t *testing.T) {
	startFake(t, "feeds")
	drv, err := new(opener).open(context.Background(), "feeds", false, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sum := md5.Sum([]byte("other bytes"))
	w, err := drv.NewTypedWriter(ctx, "rss.xml", "application/rss+xml", &driver.WriterOptions{ContentMD5: sum[:]})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("the bytes"))
	err = w.Close()
	if err == nil || drv.ErrorCode(err) != gcerrors.InvalidArgument {
		t.Errorf("a body not matching its MD5: %v, want the store's 400", err)
	}
	if _, err := drv.Attributes(ctx, "rss.xml"); drv.ErrorCode(err) != gcerrors.NotFound {
		t.Errorf("the refused object was stored: %v", err)
	}
}

// TestList pages through a bucket in key order, with a prefix and with a
// delimiter.
func TestList(t *testing.T) {
	startFake(t, "feeds")
	b := feedtest.OpenBucket(t, "gs://feeds")
	ctx := context.Background()
	keys := []string{".feedpub/state.json.gz", "atom.xml", "categories/a/rss.xml", "categories/金融/rss.xml", "posts/p 1/index.html", "rss.xml"}
	for _, k := range keys {
		if err := b.WriteAll(ctx, k, []byte(k), &blob.WriterOptions{ContentType: "text/plain"}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	token := blob.FirstPageToken
	pages := 0
	for len(token) > 0 {
		objs, next, err := b.ListPage(ctx, token, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range objs {
			sum := md5.Sum([]byte(o.Key))
			if !bytes.Equal(o.MD5, sum[:]) || o.Size != int64(len(o.Key)) {
				t.Errorf("%s: listed MD5 %x size %d", o.Key, o.MD5, o.Size)
			}
			got = append(got, o.Key)
		}
		token = next
	}
	if strings.Join(got, "|") != strings.Join(keys, "|") || pages != 3 {
		t.Errorf("listed in %d pages: %q, want 3: %q", pages, got, keys)
	}
	objs, _, err := b.ListPage(ctx, blob.FirstPageToken, 100, &blob.ListOptions{Prefix: "categories/", Delimiter: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, o := range objs {
		if o.IsDir {
			dirs = append(dirs, o.Key)
		}
	}
	if strings.Join(dirs, "|") != "categories/a/|categories/金融/" {
		t.Errorf("the folders under categories/: %q", dirs)
	}
}

// TestErrors: a refusal is PermissionDenied with its HTTP status (feedpub
// says "check the credentials"), a server error Internal (retried),
// throttling ResourceExhausted.
func TestErrors(t *testing.T) {
	status := http.StatusForbidden
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"code":403,"message":"feedpub@x.iam.gserviceaccount.com does not have storage.objects.get access","errors":[{"reason":"forbidden"}]}}`)
	}))
	defer srv.Close()
	t.Setenv("STORAGE_EMULATOR_HOST", srv.URL)
	b := feedtest.OpenBucket(t, "gs://feeds")
	_, err := b.ReadAll(context.Background(), "rss.xml")
	var st interface{ HTTPStatusCode() int }
	if gcerrors.Code(err) != gcerrors.PermissionDenied || !errors.As(err, &st) || st.HTTPStatusCode() != 403 ||
		!strings.Contains(err.Error(), "does not have storage.objects.get access") {
		t.Errorf("a 403: %v (%v)", gcerrors.Code(err), err)
	}
	var e *Error
	if !b.ErrorAs(err, &e) || e.Reason != "forbidden" {
		t.Errorf("ErrorAs: %v", e)
	}
	defer func(d time.Duration) { retryDelay = d }(retryDelay)
	retryDelay = time.Millisecond
	for code, want := range map[int]gcerrors.ErrorCode{503: gcerrors.Internal, 429: gcerrors.ResourceExhausted, 401: gcerrors.PermissionDenied} {
		status = code
		requests = 0
		if err := b.Delete(context.Background(), "rss.xml"); gcerrors.Code(err) != want {
			t.Errorf("HTTP %d: %v (%v), want %v", code, gcerrors.Code(err), err, want)
		}
		if wantN := map[bool]int{true: retries, false: 1}[code != 401]; requests != wantN {
			t.Errorf("a deletion answered %d: %d requests, want %d", code, requests, wantN)
		}
	}
	// An upload that is not conditional is not idempotent: sent once,
	// left to the caller to retry; a conditional create is sent again.
	status = 503
	for opt, wantN := range map[*blob.WriterOptions]int{{}: 1, {IfNotExist: true}: retries} {
		requests = 0
		b.WriteAll(context.Background(), "x", []byte("x"), opt)
		if requests != wantN {
			t.Errorf("an upload (IfNotExist %v) answered 503: %d requests, want %d", opt.IfNotExist, requests, wantN)
		}
	}
}

func TestURLOptions(t *testing.T) {
	startFake(t, "feeds")
	for u, ok := range map[string]bool{
		"gs://feeds?anonymous=true": true, "gs://feeds?access_id=x&private_key_path=": true, "gs://feeds?grpc=false": true,
		"gs://feeds?grpc=true": false, "gs://feeds?region=x": false, "gs://": false,
	} {
		b, err := blob.OpenBucket(context.Background(), u)
		if (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		}
		if b != nil {
			b.Close()
		}
	}
}
