//go:build !nogcs

package main

// gs:// through feedpub's own driver over the JSON API: gocloud's gcsblob
// links cloud.google.com/go/storage, whose gRPC and OpenTelemetry
// initialisers cost every feedpub process (serve too) ~25 MB of memory.
import _ "feedpub/feed/publish/gcsjson" // gs://
