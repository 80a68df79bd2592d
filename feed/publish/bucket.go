package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"feedpub/feed"
)

// A Bucket is an object store's bucket as a Target, opened from a
// gocloud.dev/blob URL (s3://, gs://, azblob://, file://, mem://, with
// gocloud's URL options and each provider's usual credential chain). The
// drivers are not linked here: a program imports the ones it offers
// (gocloud.dev/blob/s3blob and so on), as database/sql wants its drivers.
//
// A Bucket is incremental. Under stateDir, a prefix no published name can
// take, it keeps a lock while a run publishes and a state: the MD5 and
// metadata of every object it stored. An object whose bytes and metadata
// are those of the state is not uploaded again, so a run with nothing
// changed makes a handful of requests. The state is marked "in progress"
// before the first change of a run and saved clean at its end, with
// checkpoints between; a run that finds it in progress (or missing) lists
// the bucket and keeps only the entries whose MD5 the listing confirms, so
// an interrupted run is completed by the next and a digest is never
// trusted for an object that an interrupted upload may have replaced.
//
// It is safe for concurrent use. Write publishes a site to it (see Upload):
// every new and changed object before any deletion.
type Bucket struct {
	ctx    context.Context
	url    string
	b      *blob.Bucket
	opt    BucketOptions
	cc     string // Cache-Control of published objects
	lock   *lock
	total  int // objects Write will offer, for Progress
	offers atomic.Int64

	mu      sync.Mutex
	st      *state   // guarded by mu
	changes []string // a dry run's; guarded by mu
	failed  error    // the first upload or deletion that failed; guarded by mu

	saveMu  sync.Mutex // held while the state is written
	dirty   bool       // the stored state says "in progress"; guarded by saveMu
	changed bool       // this run changed the bucket; guarded by saveMu
	saved   time.Time  // when the state was last written; guarded by saveMu

	n counters
}

// BucketOptions tune a Bucket. The zero value is usable.
type BucketOptions struct {
	// TTL is the schedule's period: max-age of every feed and page, as
	// serve sends it (default 1 minute).
	TTL time.Duration
	// SMaxAge is how long a CDN keeps an object (default TTL).
	SMaxAge time.Duration
	// StaleWhileRevalidate is how long a CDN may answer with an expired
	// object while it fetches a new one (default TTL); StaleIfError, how
	// long it may answer with one while the bucket fails (default a day).
	StaleWhileRevalidate, StaleIfError time.Duration
	// Layout is where compressed variants go (default LayoutPlain).
	Layout Layout
	// Parallel bounds the uploads and deletions in flight (default 16).
	Parallel int
	// DryRun reads the state and reports what a run would change
	// (Stats.Changes) without taking the lock or changing anything.
	DryRun bool
	// LockTTL is how long the lock holds unless renewed; a run renews it
	// every third of it (default 2 minutes). A lock left by a run that was
	// killed is taken over once expired, or at once by a run on the same
	// host when the process that held it is gone.
	LockTTL time.Duration
	// Owner names this writer in the lock (default host:pid).
	Owner string
	// Progress, when set, is called as objects are offered: done of total.
	Progress func(done, total int)

	checkpoint time.Duration // state checkpoints while uploading (default 10 s); for tests
	retryDelay time.Duration // first back-off (default 200 ms); for tests
}

// Stats is what a run did.
type Stats struct {
	Uploaded, Unchanged, Deleted int
	Bytes                        int64 // uploaded, state and lock included
	Requests                     int   // store operations, retries included
	Retries                      int
	Elapsed                      time.Duration
	Changes                      []string // a dry run's: "upload NAME (N bytes)", "delete NAME"
}

func (s Stats) String() string {
	return fmt.Sprintf("%d uploaded, %d unchanged, %d deleted, %s sent in %d requests (%d retried), %v",
		s.Uploaded, s.Unchanged, s.Deleted, byteSize(s.Bytes), s.Requests, s.Retries, s.Elapsed.Round(time.Millisecond))
}

type counters struct {
	uploaded, unchanged, deleted, bytes, requests, retries atomic.Int64
}

// IsBucketURL reports whether out names a bucket (a URL with a scheme)
// rather than a folder.
func IsBucketURL(out string) bool {
	scheme, _, ok := strings.Cut(out, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, `/\`)
}

// Upload publishes site s to the bucket at url (see Bucket and Write) and
// reports what it did. On an error, what it uploaded stays, and the next
// run completes it; it never deletes after a failed upload.
func Upload(ctx context.Context, s *feed.Site, url string, opt BucketOptions) (Stats, error) {
	start := time.Now()
	b, err := OpenBucket(ctx, url, opt)
	if err != nil {
		return Stats{Elapsed: time.Since(start)}, err
	}
	gz := b.opt.Layout == LayoutSibling
	b.total = len(s.Paths()) * (1 + b2i(gz))
	_, err = Write(s, b, Options{Gzip: gz})
	if err == nil {
		err = b.commit()
	}
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	st := b.Stats()
	st.Elapsed = time.Since(start)
	return st, err
}

// OpenBucket opens the bucket at url, takes its lock (unless opt.DryRun)
// and reads its state.
func OpenBucket(ctx context.Context, url string, opt BucketOptions) (*Bucket, error) {
	opt = opt.withDefaults()
	if err := opt.Layout.check(); err != nil {
		return nil, err
	}
	bb, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("publish: opening %s: %w", redact(url), err)
	}
	b := &Bucket{ctx: ctx, url: redact(url), b: bb, opt: opt, cc: opt.cacheControl()}
	if !opt.DryRun {
		if b.lock, err = b.acquire(); err != nil {
			bb.Close()
			return nil, err
		}
	}
	if err := b.load(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (o BucketOptions) withDefaults() BucketOptions {
	if o.TTL <= 0 {
		o.TTL = time.Minute
	}
	if o.SMaxAge <= 0 {
		o.SMaxAge = o.TTL
	}
	if o.StaleWhileRevalidate <= 0 {
		o.StaleWhileRevalidate = o.TTL
	}
	if o.StaleIfError <= 0 {
		o.StaleIfError = 24 * time.Hour
	}
	if o.Layout == "" {
		o.Layout = LayoutPlain
	}
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 2 * time.Minute
	}
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	if o.checkpoint <= 0 {
		o.checkpoint = 10 * time.Second
	}
	if o.retryDelay <= 0 {
		o.retryDelay = 200 * time.Millisecond
	}
	return o
}

// Stats returns what the Bucket did so far.
func (b *Bucket) Stats() Stats {
	b.mu.Lock()
	changes := append([]string(nil), b.changes...)
	b.mu.Unlock()
	return Stats{
		Uploaded: int(b.n.uploaded.Load()), Unchanged: int(b.n.unchanged.Load()), Deleted: int(b.n.deleted.Load()),
		Bytes: b.n.bytes.Load(), Requests: int(b.n.requests.Load()), Retries: int(b.n.retries.Load()),
		Changes: changes,
	}
}

// parallel is how many files Write offers at once: uploads wait on the
// network, not on a core.
func (b *Bucket) parallel() int { return b.opt.Parallel }

// ReadFile returns the bytes stored under name.
func (b *Bucket) ReadFile(name string) ([]byte, error) {
	var data []byte
	err := b.retry("reading", b.key(name), func() (err error) {
		data, err = b.b.ReadAll(b.ctx, b.key(name))
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Write reads the manifest first: a run that cannot read it must
		// not write a shorter one, which would orphan what it listed.
		b.fail(err)
	}
	return data, err
}

// WriteFile uploads body under name with its metadata, unless the state
// says the bucket holds them already. In a dry run it only notes the
// change.
func (b *Bucket) WriteFile(name string, body []byte) (bool, error) {
	if name != manifestName && b.opt.Progress != nil {
		b.opt.Progress(int(b.offers.Add(1)), b.total)
	}
	key := b.key(name)
	o := b.object(name, body)
	b.mu.Lock()
	e, ok := b.st.Objects[key]
	failed := b.failed
	b.mu.Unlock()
	own := name == manifestName // feedpub's own object: not counted
	switch {
	case ok && e == o.entry:
		if !own {
			b.n.unchanged.Add(1)
		}
		return false, nil
	case failed != nil:
		return false, failed
	case b.opt.DryRun: // noted, and remembered (never saved) so the same change is noted once
		b.note(fmt.Sprintf("upload %s (%d bytes)", key, len(o.body)))
		b.mu.Lock()
		b.st.Objects[key] = o.entry
		b.mu.Unlock()
		return true, nil
	}
	if err := b.begin(); err != nil {
		return false, b.fail(err)
	}
	err := b.retry("uploading", key, func() error {
		b.n.bytes.Add(int64(len(o.body)))
		return b.b.WriteAll(b.ctx, key, o.body, o.options())
	})
	if err != nil {
		return false, b.fail(err)
	}
	if !own {
		b.n.uploaded.Add(1)
	}
	b.mu.Lock()
	b.st.Objects[key] = o.entry
	b.mu.Unlock()
	b.checkpoint()
	return true, nil
}

// Remove deletes the object name; one already gone is no error.
func (b *Bucket) Remove(name string) error {
	key := b.key(name)
	b.mu.Lock()
	failed := b.failed
	b.mu.Unlock()
	switch {
	case failed != nil:
		return failed
	case b.opt.DryRun:
		b.note("delete " + key)
		return nil
	}
	if err := b.begin(); err != nil {
		return b.fail(err)
	}
	err := b.retry("deleting", key, func() error {
		err := b.b.Delete(b.ctx, key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil
		}
		return err
	})
	if err != nil {
		return b.fail(err)
	}
	b.n.deleted.Add(1)
	b.mu.Lock()
	delete(b.st.Objects, key)
	b.mu.Unlock()
	return nil
}

// Close releases the lock and the bucket. It saves no state: a run that
// did not commit leaves the state "in progress" for the next to check.
func (b *Bucket) Close() error {
	var err error
	if b.lock != nil {
		err = b.release(b.lock)
		b.lock = nil
	}
	if cerr := b.b.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("publish: closing %s: %w", b.url, cerr)
	}
	return err
}

// key is where name is stored: the manifest that Write keeps goes under
// stateDir with the state.
func (b *Bucket) key(name string) string {
	if name == manifestName {
		return stateDir + "manifest"
	}
	return name
}

func (b *Bucket) note(change string) {
	b.mu.Lock()
	b.changes = append(b.changes, change)
	b.mu.Unlock()
}

// fail records the first failure: after it, nothing more is uploaded or
// deleted, so a run that cannot upload never deletes.
func (b *Bucket) fail(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failed == nil {
		b.failed = err
	}
	return err
}

// retry runs op (one request to the store, what it does and key for the
// error) and again, with exponential back-off, while it fails in a way
// worth retrying: throttling, a 5xx, a dropped connection.
func (b *Bucket) retry(what, key string, op func() error) error {
	delay := b.opt.retryDelay
	for attempt := 1; ; attempt++ {
		b.n.requests.Add(1)
		err := op()
		if err == nil {
			return nil
		}
		if attempt >= maxAttempts || !transient(err) || b.ctx.Err() != nil {
			switch {
			case gcerrors.Code(err) == gcerrors.NotFound:
				err = errors.Join(fs.ErrNotExist, err)
			case refused(err):
				return fmt.Errorf("publish: %s %s in %s: refused (check the credentials and their permissions): %w", what, key, b.url, err)
			}
			return fmt.Errorf("publish: %s %s in %s: %w", what, key, b.url, err)
		}
		b.n.retries.Add(1)
		t := time.NewTimer(delay + time.Duration(randN(int64(delay))))
		select {
		case <-b.ctx.Done():
			t.Stop()
			return fmt.Errorf("publish: %s %s in %s: %w", what, key, b.url, b.ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// maxAttempts bounds retry. The providers' SDKs retry a few times inside
// each attempt already.
const maxAttempts = 5

func byteSize(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// objectHash is the MD5 of stored bytes, as stores list it.
func objectHash(body []byte) string {
	sum := md5.Sum(body)
	return hex.EncodeToString(sum[:])
}
