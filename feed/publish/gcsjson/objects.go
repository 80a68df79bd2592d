package gcsjson

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"syscall"
	"time"

	"gocloud.dev/blob/driver"
)

// objectJSON is an object's resource in the JSON API.
type objectJSON struct {
	Name               string            `json:"name"`
	Size               string            `json:"size,omitempty"`
	MD5Hash            string            `json:"md5Hash,omitempty"`
	ContentType        string            `json:"contentType,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	ContentLanguage    string            `json:"contentLanguage,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	TimeCreated        string            `json:"timeCreated,omitempty"`
	Updated            string            `json:"updated,omitempty"`
	Etag               string            `json:"etag,omitempty"`
}

func (o *objectJSON) size() int64 {
	n, _ := strconv.ParseInt(o.Size, 10, 64)
	return n
}

func (o *objectJSON) md5() []byte {
	sum, _ := base64.StdEncoding.DecodeString(o.MD5Hash)
	return sum
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// do sends req and returns the response of a 2xx status; any other status
// is an *Error. An idempotent request (a read, a listing, a deletion, a
// conditional create) that is throttled, fails with a 5xx or loses its
// connection is sent again, up to retries times in all, as
// cloud.google.com/go/storage does by default; callers retry on top.
func (b *bucket) do(req *http.Request) (*http.Response, error) {
	req.Header.Set("User-Agent", "feedpub")
	idempotent := req.Method != http.MethodPost || req.URL.Query().Get("ifGenerationMatch") != ""
	delay := retryDelay
	for attempt := 1; ; attempt++ {
		resp, err := b.client.Do(req)
		if err == nil && resp.StatusCode/100 == 2 {
			return resp, nil
		}
		if err == nil {
			err = apiError(resp)
		}
		if !idempotent || attempt == retries || !retryable(err) || req.Context().Err() != nil {
			return nil, err
		}
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		select {
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case <-time.After(delay):
		}
		delay *= 4
	}
}

// retries and retryDelay bound do's attempts and its first back-off.
var (
	retries    = 3
	retryDelay = 100 * time.Millisecond
)

// retryable reports whether a request that failed with err may succeed
// when sent again.
func retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// apiError reads the error of a response with a status other than 2xx.
func apiError(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{Status: resp.StatusCode}
	var wrapped struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &wrapped) == nil && wrapped.Error.Message != "" {
		e.Message = wrapped.Error.Message
		if len(wrapped.Error.Errors) > 0 {
			e.Reason = wrapped.Error.Errors[0].Reason
		}
	} else {
		e.Message = string(bytes.TrimSpace(body))
	}
	return e
}

// getJSON GETs u and decodes the JSON answer into v.
func (b *bucket) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := b.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("gs: reading the answer to GET %s: %w", req.URL.Path, err)
	}
	return nil
}

func (b *bucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	u, err := b.objectURL(b.api, key)
	if err != nil {
		return nil, err
	}
	var o objectJSON
	if err := b.getJSON(ctx, u, &o); err != nil {
		return nil, err
	}
	etag := o.Etag
	if etag != "" && etag[0] != '"' && !bytes.HasPrefix([]byte(etag), []byte(`W/"`)) {
		etag = strconv.Quote(etag)
	}
	return &driver.Attributes{
		CacheControl: o.CacheControl, ContentDisposition: o.ContentDisposition, ContentEncoding: o.ContentEncoding,
		ContentLanguage: o.ContentLanguage, ContentType: o.ContentType, Metadata: o.Metadata,
		CreateTime: parseTime(o.TimeCreated), ModTime: parseTime(o.Updated), Size: o.size(), MD5: o.md5(), ETag: etag,
	}, nil
}

// reader is a download's body.
type reader struct {
	io.ReadCloser
	attrs driver.ReaderAttributes
}

func (r *reader) Attributes() *driver.ReaderAttributes { return &r.attrs }
func (r *reader) As(any) bool                          { return false }

func (b *bucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	u, err := b.objectURL(b.api, key)
	if err != nil {
		return nil, err
	}
	if err := before(opts.BeforeRead); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"?alt=media", nil)
	if err != nil {
		return nil, err
	}
	// Asked for explicitly, gzip is not undone by net/http, and the store
	// sends a gzip'd object as stored rather than transcoding it.
	req.Header.Set("Accept-Encoding", "gzip")
	switch {
	case length == 0:
		req.Method = http.MethodHead // the attributes only
	case length > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := b.do(req)
	if err != nil {
		return nil, err
	}
	r := &reader{ReadCloser: resp.Body}
	r.attrs.ContentType = resp.Header.Get("Content-Type")
	r.attrs.ModTime, _ = http.ParseTime(resp.Header.Get("Last-Modified"))
	r.attrs.Size = objectSize(resp)
	if length == 0 {
		resp.Body.Close()
		r.ReadCloser = io.NopCloser(bytes.NewReader(nil))
	}
	return r, nil
}

// objectSize is the whole object's size, from a (partial) download.
func objectSize(resp *http.Response) int64 {
	if s := resp.Header.Get("X-Goog-Stored-Content-Length"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	if cr := resp.Header.Get("Content-Range"); cr != "" { // bytes 0-9/1234
		if i := bytes.LastIndexByte([]byte(cr), '/'); i >= 0 {
			if n, err := strconv.ParseInt(cr[i+1:], 10, 64); err == nil {
				return n
			}
		}
	}
	return resp.ContentLength
}

// writer buffers an object and uploads it on Close, in one multipart
// request whose metadata carries the MD5 the store checks.
type writer struct {
	ctx  context.Context
	b    *bucket
	u    string
	meta objectJSON
	buf  bytes.Buffer
}

func (w *writer) Write(p []byte) (int, error) { return w.buf.Write(p) }

func (b *bucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	if _, err := b.objectURL(b.api, key); err != nil {
		return nil, err
	}
	q := url.Values{"uploadType": {"multipart"}}
	if opts.IfNotExist {
		q.Set("ifGenerationMatch", "0")
	}
	w := &writer{ctx: ctx, b: b, u: b.upload + "?" + q.Encode(), meta: objectJSON{
		Name: key, ContentType: contentType, ContentEncoding: opts.ContentEncoding, CacheControl: opts.CacheControl,
		ContentDisposition: opts.ContentDisposition, ContentLanguage: opts.ContentLanguage, Metadata: opts.Metadata,
	}}
	if len(opts.ContentMD5) > 0 {
		w.meta.MD5Hash = base64.StdEncoding.EncodeToString(opts.ContentMD5)
	}
	if err := before(opts.BeforeWrite); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *writer) Close() error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	meta, _ := json.Marshal(w.meta)
	part, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json; charset=UTF-8"}})
	part.Write(meta)
	typ := w.meta.ContentType
	if typ == "" {
		typ = "application/octet-stream"
	}
	part, _ = mw.CreatePart(textproto.MIMEHeader{"Content-Type": {typ}})
	part.Write(w.buf.Bytes())
	mw.Close()
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, w.u, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "multipart/related; boundary="+mw.Boundary())
	resp, err := w.b.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var got objectJSON
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return fmt.Errorf("gs: reading the answer to the upload of %s: %w", w.meta.Name, err)
	}
	if w.meta.MD5Hash != "" && got.MD5Hash != "" && got.MD5Hash != w.meta.MD5Hash {
		return fmt.Errorf("gs: %s stored with MD5 %s, sent %s", w.meta.Name, got.MD5Hash, w.meta.MD5Hash)
	}
	return nil
}

func (b *bucket) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	u, err := b.objectURL(b.api, key)
	if err != nil {
		return err
	}
	if err := before(opts.BeforeDelete); err != nil {
		return err
	}
	return b.send(ctx, http.MethodDelete, u)
}

// send makes a request with no body whose answer is of no interest.
func (b *bucket) send(ctx context.Context, method, u string) error {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := b.do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Copy copies within the bucket with the JSON API's copyTo, which suits
// the objects of a feed site (a rewrite is needed only across locations or
// storage classes of large objects).
func (b *bucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	src, err := b.objectURL(b.api, srcKey)
	if err != nil {
		return err
	}
	dst, err := b.objectURL(b.api, dstKey)
	if err != nil {
		return err
	}
	if err := before(opts.BeforeCopy); err != nil {
		return err
	}
	return b.send(ctx, http.MethodPost, src+"/copyTo/b/"+url.PathEscape(b.name)+"/o/"+dst[len(b.api)+1:])
}

// before calls a caller's hook, if any, before a request: this driver
// exposes no types of its own to it.
func before(hook func(asFunc func(any) bool) error) error {
	if hook == nil {
		return nil
	}
	return hook(func(any) bool { return false })
}

// defaultPageSize is gcsblob's.
const defaultPageSize = 1000

func (b *bucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	if err := before(opts.BeforeList); err != nil {
		return nil, err
	}
	size := opts.PageSize
	if size == 0 {
		size = defaultPageSize
	}
	q := url.Values{"maxResults": {strconv.Itoa(size)}, "projection": {"noAcl"}}
	if opts.Prefix != "" {
		q.Set("prefix", opts.Prefix)
	}
	if opts.Delimiter != "" {
		q.Set("delimiter", opts.Delimiter)
	}
	if len(opts.PageToken) > 0 {
		q.Set("pageToken", string(opts.PageToken))
	}
	var list struct {
		Items         []objectJSON `json:"items"`
		Prefixes      []string     `json:"prefixes"`
		NextPageToken string       `json:"nextPageToken"`
	}
	if err := b.getJSON(ctx, b.api+"?"+q.Encode(), &list); err != nil {
		return nil, err
	}
	page := &driver.ListPage{NextPageToken: []byte(list.NextPageToken)}
	for i := range list.Items {
		o := &list.Items[i]
		page.Objects = append(page.Objects, &driver.ListObject{Key: o.Name, ModTime: parseTime(o.Updated), Size: o.size(), MD5: o.md5()})
	}
	for _, p := range list.Prefixes {
		page.Objects = append(page.Objects, &driver.ListObject{Key: p, IsDir: true})
	}
	sort.Slice(page.Objects, func(i, j int) bool { return page.Objects[i].Key < page.Objects[j].Key })
	return page, nil
}
