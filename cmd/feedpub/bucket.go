package main

// The object stores `build -out URL` and `serve -publish URL` can publish
// to, through gocloud.dev/blob: each registers its URL scheme. Azure adds
// 12 MB to the binary, Google Cloud Storage (feedpub's own driver) 0.2 MB;
// build with -tags noazure or -tags nogcs to leave them out.
import (
	_ "gocloud.dev/blob/fileblob" // file://
	_ "gocloud.dev/blob/memblob"  // mem://
	_ "gocloud.dev/blob/s3blob"   // s3://
)
