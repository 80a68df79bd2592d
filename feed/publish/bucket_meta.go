package publish

import (
	"feedpub/internal/compress"

	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"path"
	"strings"
	"syscall"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// A Layout says where a bucket keeps the compressed variant of an object.
// CDNs differ (see the README's Deploying section):
//
//   - LayoutPlain stores each object as it is and leaves compression to
//     the CDN: CloudFront ("Compress objects automatically": gzip and
//     brotli), Azure Front Door (compression on the route) and Cloud CDN
//     (dynamic compression) all compress on the way out and vary on
//     Accept-Encoding. Every client gets what it accepts. The default.
//   - LayoutGzip stores each object gzip'd under its own name with
//     Content-Encoding: gzip. Google Cloud Storage then serves it
//     compressed to clients that accept gzip and decompresses it for
//     those that do not (decompressive transcoding), behind Cloud CDN too.
//     S3 and Azure Blob Storage have no transcoding: CloudFront and Front
//     Door pass the gzip to every client, so use it there only when every
//     reader accepts gzip (feed readers do).
//   - LayoutSibling stores name and name.gz (Content-Encoding: gzip, the
//     type of name), as `build -gzip` does in a folder: for an origin
//     that picks the variant by Accept-Encoding (nginx gzip_static, or a
//     CloudFront Function / Front Door rule set rewriting the path).
type Layout string

// The layouts.
const (
	LayoutPlain   Layout = "plain"
	LayoutGzip    Layout = "gzip"
	LayoutSibling Layout = "sibling"
)

func (l Layout) check() error {
	switch l {
	case LayoutPlain, LayoutGzip, LayoutSibling:
		return nil
	}
	return fmt.Errorf("publish: layout %q: want plain, gzip or sibling", string(l))
}

// cacheControl is the Cache-Control of every feed and page: browsers and
// readers keep it for the schedule's period, as serve says; a CDN for
// SMaxAge, and past it may answer with what it has while it fetches again
// or while the bucket fails.
func (o BucketOptions) cacheControl() string {
	return fmt.Sprintf("public, max-age=%d, s-maxage=%d, stale-while-revalidate=%d, stale-if-error=%d",
		int(o.TTL.Seconds()), int(o.SMaxAge.Seconds()), int(o.StaleWhileRevalidate.Seconds()), int(o.StaleIfError.Seconds()))
}

// An object is what WriteFile stores: the bytes and the metadata.
type object struct {
	body                     []byte
	typ, encoding, cacheCtrl string
	entry                    entry
}

// object prepares the upload of body as name.
func (b *Bucket) object(name string, body []byte) object {
	o := object{body: body, typ: ContentType(name), cacheCtrl: b.cc}
	switch {
	case name == manifestName:
		o.typ, o.cacheCtrl = "text/plain; charset=utf-8", "no-store"
	case strings.HasSuffix(name, ".gz"):
		o.typ, o.encoding = ContentType(strings.TrimSuffix(name, ".gz")), "gzip"
	case b.opt.Layout == LayoutGzip:
		o.body, o.encoding = compress.Gzip(body), "gzip"
	}
	meta := sha256.Sum256([]byte(o.typ + "\n" + o.encoding + "\n" + o.cacheCtrl))
	o.entry = entry{MD5: objectHash(o.body), Meta: hex.EncodeToString(meta[:8])}
	return o
}

func (o object) options() *blob.WriterOptions {
	sum, _ := hex.DecodeString(o.entry.MD5)
	return &blob.WriterOptions{ContentType: o.typ, ContentEncoding: o.encoding, CacheControl: o.cacheCtrl, ContentMD5: sum}
}

// types are the media types of what a Site publishes, by file name or
// extension, as package feed sends them.
var types = map[string]string{
	"rss.xml":   "application/rss+xml; charset=utf-8",
	"atom.xml":  "application/atom+xml; charset=utf-8",
	"feed.json": "application/feed+json; charset=utf-8",
	".html":     "text/html; charset=utf-8",
	".css":      "text/css; charset=utf-8",
	".opml":     "text/x-opml; charset=utf-8",
	".xml":      "application/xml; charset=utf-8",
	".json":     "application/json; charset=utf-8",
	".txt":      "text/plain; charset=utf-8",
}

// ContentType is the media type, with charset, of the published file
// name (a slash path), as serve sends it.
func ContentType(name string) string {
	if t, ok := types[path.Base(name)]; ok {
		return t
	}
	if t, ok := types[path.Ext(name)]; ok {
		return t
	}
	return "application/octet-stream"
}

// transient reports whether a failed request is worth another try:
// throttling, a server error, a dropped connection. Not a refusal
// (credentials, permissions), a missing bucket or a failed condition.
func transient(err error) bool {
	switch gcerrors.Code(err) {
	case gcerrors.Internal, gcerrors.ResourceExhausted, gcerrors.DeadlineExceeded:
		return true
	case gcerrors.Unknown:
	default:
		return false
	}
	var st interface{ HTTPStatusCode() int } // the AWS and Azure SDKs' response errors
	if errors.As(err, &st) {
		c := st.HTTPStatusCode()
		return c >= 500 || c == 429 || c == 408
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// refused reports whether the store refused a request's credentials or
// permissions.
func refused(err error) bool {
	if gcerrors.Code(err) == gcerrors.PermissionDenied {
		return true
	}
	var st interface{ HTTPStatusCode() int }
	return errors.As(err, &st) && (st.HTTPStatusCode() == 401 || st.HTTPStatusCode() == 403)
}

// redact drops the user information and query values that may hold a
// secret (Azure's SAS tokens) from a URL, for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the bucket"
	}
	u.User = nil
	q := u.Query()
	for k := range q {
		if k == "sig" || strings.Contains(strings.ToLower(k), "secret") || strings.Contains(strings.ToLower(k), "token") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func randN(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rand.Int64N(n)
}
