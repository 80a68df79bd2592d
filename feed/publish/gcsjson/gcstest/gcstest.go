// Package gcstest starts fake-gcs-server for tests of gs://.
package gcstest

import (
	"io"
	"strings"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// Start starts fake-gcs-server (Cloud Storage's JSON API as Google's
// clients use it) on 127.0.0.1 with the buckets named, stopped when t
// ends, and points gs:// at it through STORAGE_EMULATOR_HOST, as gocloud's
// gcsblob is pointed at an emulator. The variable is the process's: tests
// using it do not run in parallel, and each call points gs:// at its own
// new server. It returns the server's URL.
func Start(t testing.TB, buckets ...string) string {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Host: "127.0.0.1", Port: 0, Scheme: "http", Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range buckets {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(srv.URL(), "http://"))
	return srv.URL()
}
