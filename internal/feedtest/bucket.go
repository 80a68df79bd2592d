package feedtest

import (
	"context"
	"testing"

	"gocloud.dev/blob"
)

// OpenBucket opens the bucket at url (its driver registered by the
// caller's imports) directly, to look at what a test left there; it is
// closed when the test ends.
func OpenBucket(t testing.TB, url string) *blob.Bucket {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
