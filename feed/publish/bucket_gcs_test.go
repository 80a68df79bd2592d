package publish

import (
	"testing"

	_ "feedpub/feed/publish/gcsjson" // gs://, as cmd/feedpub links it
	"feedpub/feed/publish/gcsjson/gcstest"
)

// gsURL starts fake-gcs-server with a bucket and returns a gs:// URL of it,
// under a prefix as a site may be published (see gcstest.Start).
func gsURL(t *testing.T) string {
	gcstest.Start(t, "feeds")
	return "gs://feeds?prefix=site/"
}
