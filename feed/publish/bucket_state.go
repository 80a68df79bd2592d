package publish

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"feedpub/internal/compress"
)

// stateDir is the prefix under which a Bucket keeps its lock, state and
// manifest. fileName refuses it, so no published name can take it; it is
// never public content (see the README's Deploying section).
const stateDir = ".feedpub/"

const (
	stateKey     = stateDir + "state.json.gz"
	stateVersion = 1
)

// A state is what a Bucket knows of the objects it stored.
type state struct {
	Version int `json:"version"`
	// InProgress is true while a run is changing the bucket: its entries
	// are those of completed uploads, but an upload in flight when the
	// run stopped may have replaced any object.
	InProgress bool             `json:"in_progress"`
	Objects    map[string]entry `json:"objects"`
}

// An entry is one stored object: the MD5 of its bytes and a digest of its
// metadata (type, encoding, cache control).
type entry struct {
	MD5  string `json:"md5"`
	Meta string `json:"meta"`
}

// load reads the state. A missing, unreadable, older or "in progress"
// state is checked against a listing of the bucket (see reconcile).
func (b *Bucket) load() error {
	b.st = &state{Version: stateVersion, Objects: map[string]entry{}}
	var data []byte
	err := b.retry("reading", stateKey, func() (err error) {
		data, err = b.b.ReadAll(b.ctx, stateKey)
		return err
	})
	switch {
	case gcerrors.Code(err) == gcerrors.NotFound:
		return b.reconcile("no state yet")
	case err != nil:
		return err
	}
	st, err := decodeState(data)
	if err != nil {
		slog.Warn("publish: the bucket's state is unreadable; checking every object", "bucket", b.url, "error", err)
		return b.reconcile("state unreadable")
	}
	b.st = st
	if st.InProgress {
		b.dirty = true
		return b.reconcile("the last run did not finish")
	}
	return nil
}

func decodeState(data []byte) (*state, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	st := &state{}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, err
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state version %d, want %d", st.Version, stateVersion)
	}
	if st.Objects == nil {
		st.Objects = map[string]entry{}
	}
	return st, nil
}

// reconcile lists the bucket and keeps the state's entries whose MD5 the
// store confirms: anything else is uploaded again. One request per 1,000
// objects.
func (b *Bucket) reconcile(why string) error {
	listed := map[string]string{}
	token := blob.FirstPageToken
	for len(token) > 0 {
		var objs []*blob.ListObject
		err := b.retry("listing", "", func() (err error) {
			objs, token, err = b.b.ListPage(b.ctx, token, 1000, nil)
			return err
		})
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if obj.MD5 != nil && !strings.HasPrefix(obj.Key, stateDir) {
				listed[obj.Key] = hex.EncodeToString(obj.MD5)
			}
		}
	}
	kept := 0
	for k, e := range b.st.Objects {
		if listed[k] != e.MD5 {
			delete(b.st.Objects, k)
			continue
		}
		kept++
	}
	if why != "no state yet" || len(listed) > 0 {
		slog.Info("publish: checked the bucket against its state", "bucket", b.url, "why", why, "listed", len(listed), "kept", kept)
	}
	return nil
}

// begin marks the stored state "in progress", once, before the run's
// first change.
func (b *Bucket) begin() error {
	b.saveMu.Lock()
	defer b.saveMu.Unlock()
	b.changed = true
	if b.dirty {
		return nil
	}
	if err := b.save(true); err != nil {
		return err
	}
	b.dirty = true
	return nil
}

// checkpoint saves the state, still "in progress", when the last save is
// older than opt.checkpoint, so that a run killed half way costs the next
// little more than the uploads of its last seconds.
func (b *Bucket) checkpoint() {
	if !b.saveMu.TryLock() {
		return
	}
	defer b.saveMu.Unlock()
	if now := time.Now(); now.Sub(b.saved) >= b.opt.checkpoint {
		if err := b.save(true); err != nil {
			slog.Warn("publish: checkpoint failed", "bucket", b.url, "error", err)
		}
	}
}

// commit saves the state clean at the end of a run that changed the
// bucket, or that found it "in progress".
func (b *Bucket) commit() error {
	if b.opt.DryRun {
		return nil
	}
	b.saveMu.Lock()
	defer b.saveMu.Unlock()
	if !b.changed && !b.dirty {
		return nil
	}
	if err := b.save(false); err != nil {
		return err
	}
	b.dirty = false
	return nil
}

// save writes the state; saveMu is held.
func (b *Bucket) save(inProgress bool) error {
	b.mu.Lock()
	st := state{Version: stateVersion, InProgress: inProgress, Objects: make(map[string]entry, len(b.st.Objects))}
	for k, e := range b.st.Objects {
		st.Objects[k] = e
	}
	b.mu.Unlock()
	raw, err := json.Marshal(st) // maps marshal in key order: the same state, the same bytes
	if err != nil {
		return err
	}
	zipped := compress.Gzip(raw)
	err = b.retry("saving the state", stateKey, func() error {
		b.n.bytes.Add(int64(len(zipped)))
		return b.b.WriteAll(b.ctx, stateKey, zipped, &blob.WriterOptions{ContentType: "application/gzip", CacheControl: "no-store"})
	})
	if err == nil {
		b.saved = time.Now()
	}
	return err
}
