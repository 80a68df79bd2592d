// Package gcsjson is a gocloud.dev/blob driver for Google Cloud Storage
// over its JSON API, with net/http and Application Default Credentials.
// Importing it registers the gs:// scheme, in place of gocloud's gcsblob:
// that one links cloud.google.com/go/storage with gRPC, xDS and
// OpenTelemetry, whose initialisers cost every process some 25 MB of
// memory whether it uses a bucket or not.
//
// The URL form is gcsblob's: gs://BUCKET, with anonymous=true for a public
// bucket and universe_domain=DOMAIN; access_id and private_key_path are
// accepted and unused (they sign URLs, which this driver does not), and
// grpc or zonal are refused. STORAGE_EMULATOR_HOST points it at an
// emulator without credentials, as it does gcsblob.
//
// It reads, writes (with Content-Type, Content-Encoding, Cache-Control,
// metadata, the MD5 checked by the store and IfNotExist as
// ifGenerationMatch=0), lists, deletes and copies objects; it does not
// sign URLs. Reads return the stored bytes, gzip'd ones included (no
// decompressive transcoding). Keys that gcsblob would escape (holding a
// line break, "../" or "__0x") are refused, so every key it accepts names
// the object gcsblob would.
package gcsjson

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// Scheme is the URL scheme this package registers.
const Scheme = "gs"

func init() { blob.DefaultURLMux().RegisterBucket(Scheme, new(opener)) }

// opener finds the credentials once per process (per universe domain), as
// gcsblob does.
type opener struct {
	mu    sync.Mutex
	found map[string]*creds
}

// OpenBucketURL opens gs://BUCKET?options.
func (o *opener) OpenBucketURL(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
	q := u.Query()
	for k := range q {
		switch k {
		case "access_id", "private_key_path", "anonymous", "universe_domain":
		case "grpc", "zonal":
			if v, _ := strconv.ParseBool(q.Get(k)); v {
				return nil, fmt.Errorf("open bucket %v: %s=true is not supported", u, k)
			}
		default:
			return nil, fmt.Errorf("open bucket %v: invalid query parameter %q", u, k)
		}
	}
	anonymous := false
	if v := q.Get("anonymous"); v != "" {
		var err error
		if anonymous, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("open bucket %v: invalid value %q for query parameter \"anonymous\": %w", u, v, err)
		}
	}
	b, err := o.open(ctx, u.Host, anonymous || q.Get("access_id") == "-", q.Get("universe_domain"))
	if err != nil {
		return nil, fmt.Errorf("open bucket %v: %w", u, err)
	}
	return blob.NewBucket(b), nil
}

func (o *opener) open(ctx context.Context, name string, anonymous bool, universe string) (*bucket, error) {
	if name == "" {
		return nil, errors.New("a bucket name is required")
	}
	// A transport of its own: Close drops its idle connections, not those
	// of the rest of the process.
	base := http.DefaultTransport.(*http.Transport).Clone()
	if host := os.Getenv("STORAGE_EMULATOR_HOST"); host != "" {
		if !strings.Contains(host, "://") {
			host = "http://" + host
		}
		return newBucket(name, host, &http.Client{Transport: base}), nil
	}
	if anonymous {
		return newBucket(name, endpoint(universe), &http.Client{Transport: base}), nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.found[universe]
	if c == nil {
		var err error
		if c, err = findCreds(context.WithoutCancel(ctx)); err != nil {
			return nil, err
		}
		if o.found == nil {
			o.found = map[string]*creds{}
		}
		o.found[universe] = c
	}
	if universe == "" {
		universe = c.universe
	}
	return newBucket(name, endpoint(universe), c.client(base)), nil
}

// endpoint is the storage service of a universe domain.
func endpoint(universe string) string {
	if universe == "" {
		universe = "googleapis.com"
	}
	return "https://storage." + universe
}

// A bucket is the driver.Bucket.
type bucket struct {
	name   string
	api    string // https://storage.googleapis.com/storage/v1/b/NAME/o
	upload string // the upload endpoint of the same
	client *http.Client
}

func newBucket(name, origin string, client *http.Client) *bucket {
	origin = strings.TrimSuffix(origin, "/")
	return &bucket{name: name, client: client,
		api:    origin + "/storage/v1/b/" + url.PathEscape(name) + "/o",
		upload: origin + "/upload/storage/v1/b/" + url.PathEscape(name) + "/o"}
}

// An Error is the store's answer to a request that failed.
type Error struct {
	Status  int    // the HTTP status
	Reason  string // the first error's reason, such as "forbidden"
	Message string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("gs: HTTP %d", e.Status)
	if e.Reason != "" {
		msg += " " + e.Reason
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// HTTPStatusCode is the HTTP status of the failed request.
func (e *Error) HTTPStatusCode() int { return e.Status }

// ErrorCode maps the store's statuses as gcsblob does, but for 401 and 403,
// which are refusals (gcsblob calls a 403 NotFound).
func (b *bucket) ErrorCode(err error) gcerrors.ErrorCode {
	var e *Error
	switch {
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	case errors.Is(err, errKey):
		return gcerrors.InvalidArgument
	case !errors.As(err, &e):
		return gcerrors.Unknown
	}
	switch s := e.Status; {
	case s == http.StatusNotFound:
		return gcerrors.NotFound
	case s == http.StatusPreconditionFailed:
		return gcerrors.FailedPrecondition
	case s == http.StatusTooManyRequests:
		return gcerrors.ResourceExhausted
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return gcerrors.PermissionDenied
	case s == http.StatusBadRequest:
		return gcerrors.InvalidArgument
	case s == http.StatusNotImplemented:
		return gcerrors.Unimplemented
	case s >= 500:
		return gcerrors.Internal
	}
	return gcerrors.Unknown
}

func (b *bucket) As(any) bool { return false }

// ErrorAs fills an **Error.
func (b *bucket) ErrorAs(err error, target any) bool {
	p, ok := target.(**Error)
	return ok && errors.As(err, p)
}

func (b *bucket) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

func (b *bucket) SignedURL(context.Context, string, *driver.SignedURLOptions) (string, error) {
	return "", &Error{Status: http.StatusNotImplemented, Message: "signed URLs are not supported"}
}

// errKey is the error of a key this driver refuses.
var errKey = errors.New("gs: key not supported")

// objectURL is the JSON API's address of the object key under base,
// after checking that gcsblob would store key under the same name.
func (b *bucket) objectURL(base, key string) (string, error) {
	if strings.ContainsAny(key, "\r\n") || strings.Contains(key, "../") || strings.Contains(key, "__0x") {
		return "", fmt.Errorf("%w: %q (a line break, \"../\" or \"__0x\")", errKey, key)
	}
	return base + "/" + url.PathEscape(key), nil
}
