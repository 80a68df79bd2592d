package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
)

// The state is saved as a base and a log. The base is the whole state,
// one sealed file written atomically (state.go); the log, beside it
// (name + logSuffix), holds the changes saved since, one record per Save:
// a build or a rebuild after a small change appends what it changed (a
// few hundred bytes) instead of writing the whole state again (30 MB at
// 100,000 posts). When the log outgrows a part of the base, when a Save
// has a large part of the state to tell, or when a Target cannot append,
// the Save writes the base again and drops the log.
//
// The log starts with its magic, format and the checksum of the base it
// follows: a log left beside a newer base (a run killed after writing the
// base, before removing the log) is of another base, and ignored. Each
// record is its length, the SHA-256 of its bytes and the bytes: the
// posts, files and removed posts it sets or deletes. A record cut short
// or whose checksum fails, at the end of the log, is one a killed run was
// appending: dropped, the state is the one before it, as when a run is
// killed before it renames a new base into place (the list of pending
// files, removed only after the record is whole, still stands). A bad
// record with more after it is damage: the state is refused.

const (
	logSuffix = ".log"
	logMagic  = "feedpub-state-log\n"
	logHead   = len(logMagic) + 4 + sha256.Size
	recHead   = 4 + sha256.Size
)

// stateDelta is what changed in a State since it was last saved: the
// keys of the posts, files and removed posts set or deleted.
type stateDelta struct {
	posts, files, removed map[string]bool
	all                   bool // too much to list: the next Save writes the base
}

func (d *stateDelta) post(path string) { mark(&d.posts, path) }
func (d *stateDelta) file(name string) { mark(&d.files, name) }
func (d *stateDelta) gone(path string) { mark(&d.removed, path) }

func mark(m *map[string]bool, key string) {
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[key] = true
}

// An appender is a Target that can write into an existing file: at
// offset at, the file cut there first.
type appender interface {
	writeAt(name string, at int64, b []byte) error
}

// maxLogShare: the log is compacted into the base once it is larger than
// this part of the base.
const maxLogShare = 4

// save writes what changed to t (st.mu held): a record appended to the
// log when it can, the whole base otherwise.
func (st *State) save(t Target) error {
	ap, ok := t.(appender)
	d := &st.delta
	big := len(d.posts)+len(d.files)+len(d.removed) > (len(st.data.Posts)+len(st.data.Files))/maxLogShare // a first build's pages
	if !ok || d.all || big || st.baseSum == ([sha256.Size]byte{}) || st.logLen > int64(st.size/maxLogShare) {
		return st.saveBase(t)
	}
	rec := st.encodeDelta()
	name := st.name + logSuffix
	if st.logLen == 0 { // a new log: made whole, atomically
		head := make([]byte, logHead, logHead+len(rec))
		copy(head, logMagic)
		binary.BigEndian.PutUint32(head[len(logMagic):], stateFormat)
		copy(head[len(logMagic)+4:], st.baseSum[:])
		if _, err := t.WriteFile(name, append(head, rec...)); err != nil {
			return fmt.Errorf("publish: saving the state: %w", err)
		}
		st.logLen = int64(logHead + len(rec))
	} else {
		if err := ap.writeAt(name, st.logLen, rec); err != nil {
			return st.saveBase(t) // the log removed meanwhile, or the like: the base holds it all
		}
		st.logLen += int64(len(rec))
	}
	st.delta = stateDelta{}
	return nil
}

// saveBase writes the whole state as its base, then removes the log (one
// left by a run killed in between is another base's: ignored).
func (st *State) saveBase(t Target) error {
	var sum [sha256.Size]byte
	size, err := 0, error(nil)
	if s, ok := t.(streamer); ok {
		sum, size, err = st.streamBase(s)
	} else {
		var raw []byte
		if raw, err = st.encode(); err == nil {
			_, err = t.WriteFile(st.name, raw)
			copy(sum[:], raw[len(stateMagic)+4:])
			size = len(raw)
		}
	}
	if err != nil {
		return fmt.Errorf("publish: saving the state: %w", err)
	}
	if err := t.Remove(st.name + logSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("publish: saving the state: %w", err)
	}
	st.baseSum = sum
	st.size, st.logLen, st.delta = size, 0, stateDelta{}
	return nil
}

// A streamer is a Target that writes a file as it is made, atomically
// like WriteFile: fill writes the file, then the head it returns is
// written over its first bytes. A state of 100,000 posts is 30 MB: held
// whole while encoded, it was the largest thing of a first build.
type streamer interface {
	writeParts(name string, fill func(w io.Writer) (head []byte, err error)) error
}

// streamBase writes the whole state as its base to s, as it encodes it,
// and returns the SHA-256 of its records and its size.
func (st *State) streamBase(s streamer) (sum [sha256.Size]byte, size int, err error) {
	err = s.writeParts(st.name, func(w io.Writer) ([]byte, error) {
		e := newSealed(stateMagic, spillSize)
		h, skip := sha256.New(), len(e.b) // the head: written last
		e.out = func(b []byte) error {
			h.Write(b[skip:])
			skip, size = 0, size+len(b)
			_, err := w.Write(b)
			return err
		}
		st.data.Fingerprint = st.fingerprint
		e.data(&st.data)
		if e.flush(0); e.err != nil {
			return nil, e.err
		}
		h.Sum(sum[:0])
		return sealHead(stateMagic, stateFormat, sum), nil
	})
	return sum, size, err
}

// encodeDelta is the log record of st.delta.
func (st *State) encodeDelta() []byte {
	e := &stateEncoder{b: make([]byte, recHead, 1024)}
	encodeSet(e, st.delta.posts, st.data.Posts, e.post)
	encodeSet(e, st.delta.files, st.data.Files, e.file)
	encodeSet(e, st.delta.removed, st.data.Removed, e.removed)
	binary.BigEndian.PutUint32(e.b, uint32(len(e.b)-recHead))
	sum := sha256.Sum256(e.b[recHead:])
	copy(e.b[4:], sum[:])
	return e.b
}

// encodeSet encodes the records of m at keys, in order: each key, and
// its record (enc) or that it has none (deleted).
func encodeSet[V any](e *stateEncoder, keys map[string]bool, m map[string]V, enc func(V)) {
	e.uint(uint64(len(keys)))
	for _, k := range sortedKeys(keys) {
		r, ok := m[k]
		e.str(k)
		if e.bool(ok); ok {
			enc(r)
		}
	}
}

// applySet applies to m what encodeSet encoded, dec decoding a record.
func applySet[V any](d *stateDecoder, m map[string]V, dec func(key string) V) {
	for range d.count() {
		k := d.str()
		if d.bool() {
			m[k] = dec(k)
		} else {
			delete(m, k)
		}
	}
}

// applyLog applies to d the records of the log raw, which must follow the
// base whose checksum is base. It returns how many bytes of raw hold whole
// records to keep (0 when the log is another base's: ignored), and
// whether a torn record at its end was dropped.
func applyLog(d *stateData, raw []byte, base []byte) (n int64, torn bool, err error) {
	if len(raw) < logHead || string(raw[:len(logMagic)]) != logMagic ||
		binary.BigEndian.Uint32(raw[len(logMagic):]) != stateFormat || !bytes.Equal(raw[len(logMagic)+4:logHead], base) {
		return 0, false, nil
	}
	at := logHead
	for at < len(raw) {
		rest := raw[at:]
		size := -1
		if len(rest) >= recHead {
			size = int(binary.BigEndian.Uint32(rest))
		}
		if size < 0 || size > len(rest)-recHead {
			return int64(at), true, nil // cut short: the last record
		}
		body := rest[recHead : recHead+size]
		if sum := sha256.Sum256(body); !bytes.Equal(sum[:], rest[4:recHead]) {
			if recHead+size == len(rest) {
				return int64(at), true, nil
			}
			return 0, false, errors.New("log: bad checksum (edited or damaged)")
		}
		if err := applyRecord(d, body); err != nil {
			return 0, false, err
		}
		at += recHead + size
	}
	return int64(at), false, nil
}

// applyRecord applies one record of the log to d.
func applyRecord(d *stateData, body []byte) error {
	dec := newStateDecoder(body)
	applySet(dec, d.Posts, dec.post)
	applySet(dec, d.Files, func(string) FileRecord { return dec.file() })
	applySet(dec, d.Removed, dec.removed)
	if dec.err == nil && dec.at != len(dec.b) {
		dec.err = errors.New("bytes after the records")
	}
	if dec.err != nil {
		return fmt.Errorf("log: undecodable: %w", dec.err)
	}
	return nil
}

// readLog applies to d, decoded from the base whose checksum is base, the
// log beside it, and notes where the next record goes.
func (st *State) readLog(t interface{ ReadFile(string) ([]byte, error) }, d *stateData, base []byte, log *slog.Logger) error {
	raw, err := t.ReadFile(st.name + logSuffix)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("log: %w", err)
	}
	if err == nil {
		n, torn, err := applyLog(d, raw, base)
		if err != nil {
			return err
		}
		if torn && log != nil {
			log.Warn("state "+st.name+": the last record of its log is torn (a run killed while saving it): dropped", "state", st.name)
		}
		st.logLen = n
	}
	copy(st.baseSum[:], base)
	return nil
}
