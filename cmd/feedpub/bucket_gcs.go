//go:build !nogcs

package main

import _ "gocloud.dev/blob/gcsblob" // gs://
