package publish

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

const lockKey = stateDir + "lock"

// ErrLocked is returned (wrapped) when another writer holds the bucket.
var ErrLocked = errors.New("another feedpub is publishing to this bucket")

// A lock is a Bucket's claim to be the one writer: an object created only
// if none exists (the store's conditional write), naming its owner and
// when it expires, renewed while the run lasts.
type lock struct {
	info lockInfo
	stop chan struct{}
	done sync.WaitGroup
}

type lockInfo struct {
	Owner   string    `json:"owner"`
	Token   string    `json:"token"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Expires time.Time `json:"expires"`
}

func defaultOwner() string {
	host, _ := os.Hostname()
	return host + ":" + strconv.Itoa(os.Getpid())
}

// acquire takes the lock, or fails with ErrLocked naming its holder. A
// lock past its expiry, or held by a process of this host that is gone,
// is taken over.
func (b *Bucket) acquire() (*lock, error) {
	host, _ := os.Hostname()
	var tok [8]byte
	rand.Read(tok[:])
	l := &lock{info: lockInfo{Owner: b.opt.Owner, Token: hex.EncodeToString(tok[:]), Host: host, PID: os.Getpid()}, stop: make(chan struct{})}
	for range 3 {
		err := b.writeLock(l, true)
		if err == nil {
			l.done.Add(1)
			go b.renew(l)
			return l, nil
		}
		if gcerrors.Code(err) != gcerrors.FailedPrecondition {
			return nil, err
		}
		held, err := b.readLock()
		if gcerrors.Code(err) == gcerrors.NotFound {
			continue // released meanwhile
		}
		if err != nil {
			return nil, err
		}
		if !held.stale(host) {
			return nil, fmt.Errorf("publish: %s: %w: %s holds %s until %s; two writers at once are refused",
				b.url, ErrLocked, held.Owner, lockKey, held.Expires.Format(time.RFC3339))
		}
		slog.Warn("publish: taking over a lock its holder left", "bucket", b.url, "owner", held.Owner, "expires", held.Expires)
		if err := b.retry("removing the stale lock", lockKey, func() error { return b.b.Delete(b.ctx, lockKey) }); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return nil, err
		}
	}
	return nil, fmt.Errorf("publish: %s: %w: could not take %s", b.url, ErrLocked, lockKey)
}

func (b *Bucket) writeLock(l *lock, create bool) error {
	l.info.Expires = time.Now().Add(b.opt.LockTTL).UTC().Truncate(time.Second)
	data, _ := json.Marshal(l.info)
	return b.retry("writing the lock", lockKey, func() error {
		b.n.bytes.Add(int64(len(data)))
		return b.b.WriteAll(b.ctx, lockKey, data, &blob.WriterOptions{ContentType: "application/json", CacheControl: "no-store", IfNotExist: create})
	})
}

func (b *Bucket) readLock() (lockInfo, error) {
	var info lockInfo
	var data []byte
	err := b.retry("reading the lock", lockKey, func() (err error) {
		data, err = b.b.ReadAll(b.ctx, lockKey)
		return err
	})
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return lockInfo{Owner: "an unreadable lock"}, nil // expired: the zero time
	}
	return info, nil
}

// stale reports whether a lock held by info may be taken over.
func (info lockInfo) stale(host string) bool {
	if time.Now().After(info.Expires) {
		return true
	}
	if info.Host != host || info.PID <= 0 {
		return false
	}
	p, err := os.FindProcess(info.PID)
	if err != nil {
		return true
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// renew pushes the lock's expiry on every third of its TTL until stopped.
func (b *Bucket) renew(l *lock) {
	defer l.done.Done()
	t := time.NewTicker(b.opt.LockTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-b.ctx.Done():
			return
		case <-t.C:
			if err := b.writeLock(l, false); err != nil {
				slog.Warn("publish: renewing the lock failed", "bucket", b.url, "error", err)
			}
		}
	}
}

// release stops renewing and removes the lock if it is still this run's,
// even when the run's context is done.
func (b *Bucket) release(l *lock) error {
	close(l.stop)
	l.done.Wait()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 30*time.Second)
	defer cancel()
	b.n.requests.Add(1)
	data, err := b.b.ReadAll(ctx, lockKey)
	var held lockInfo
	if err != nil || json.Unmarshal(data, &held) != nil || held.Token != l.info.Token {
		return nil // gone, or taken over: not ours to remove
	}
	b.n.requests.Add(1)
	if err := b.b.Delete(ctx, lockKey); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("publish: removing the lock %s in %s: %w", lockKey, b.url, err)
	}
	return nil
}
