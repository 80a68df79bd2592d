package main

// The object stores `build -out URL` and `serve -publish URL` can publish
// to, through gocloud.dev/blob: each registers its URL scheme. Google
// Cloud Storage and Azure each add tens of megabytes to the binary; build
// with -tags nogcs or -tags noazure to leave them out.
import (
	_ "gocloud.dev/blob/fileblob" // file://
	_ "gocloud.dev/blob/memblob"  // mem://
	_ "gocloud.dev/blob/s3blob"   // s3://
)
