package publish

import (
	"io"
	"strings"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	_ "feedpub/internal/gcsjson" // gs://, as cmd/feedpub links it
)

// gsURL starts fake-gcs-server on 127.0.0.1 with a bucket and returns a
// gs:// URL of it (under a prefix, as a site may be published), reached
// through STORAGE_EMULATOR_HOST as the gs:// driver is pointed at an
// emulator. The variable is the process's: tests using it do not run in
// parallel, and each call points gs:// at its own new server.
func gsURL(t *testing.T) string {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Host: "127.0.0.1", Port: 0, Scheme: "http", Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "feeds"})
	t.Setenv("STORAGE_EMULATOR_HOST", strings.TrimPrefix(srv.URL(), "http://"))
	return "gs://feeds?prefix=site/"
}
