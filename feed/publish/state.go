package publish

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"feedpub/loader"
)

// The state is what publishing remembers between runs, beside the output
// and never served: per post file its size, modification time, digest and
// metadata (what loader.Loader.Prime takes); per published file the digest
// of its bytes, the key of what it was made from (feed.Site.Key) and when
// its bytes last changed; removed posts and when. It makes a build after
// a small change cost the change, and Last-Modified truthful.
//
// It is saved after the files it describes, as a base, one file written
// atomically (Target.WriteFile): a header, a format version, a SHA-256 of
// the rest, and the rest in a compact binary form (statecodec.go); and a
// log beside it of the changes saved since (statelog.go). A state that is torn, foreign (another format, another
// feedpub, another configuration or templates: its fingerprint) or
// unreadable is refused with a log line and rebuilt from scratch; it is
// never trusted.

// Names of the states of a folder in stateDir (whose prefix no published
// file can have): build's, and serve's (which publishes
// no files, so must not make build trust what it never wrote).
const (
	BuildState = stateDir + "state"
	ServeState = stateDir + "serve-state"
)

const (
	stateMagic  = "feedpub-state\n"
	stateFormat = 6 // 4: posts' digests are XXH3 (loader); 5: files' digests and keys as 16 bytes, not hex; 6: files' digests are BLAKE3 (feed.BodySum), not SHA-256
)

// A State is the state of one output. Its methods are safe for concurrent
// use.
type State struct {
	mu          sync.Mutex
	name        string
	fingerprint string
	data        stateData // guarded by mu
	// clean: read whole and ours, so the run that saved it finished: no
	// debris to sweep, and every file it lists holds the bytes it says.
	clean   bool
	dirty   bool // changed since read; guarded by mu
	pending bool // a list of files being written is beside it (markPending); guarded by mu
	size    int  // of the base read or written, in bytes; 0 for none
	// baseSum is the checksum of that base (zero for none), which its log
	// names; logLen the bytes of the log that hold its records (0: none
	// yet); delta what changed since the last Save (statelog.go).
	baseSum [sha256.Size]byte
	logLen  int64
	delta   stateDelta // guarded by mu
	pub     pubDelta   // what changed since the last PublishedChanges; guarded by mu
	// refused: a state file is there that is not ours (torn, older,
	// another configuration or program). It describes files this run may
	// rewrite, so it goes before the first write (plan): killed after
	// that, a run leaves no state to trust files it changed.
	refused bool // guarded by mu
	// listed is what the manifest of the folder lists, as the last Write
	// with this State wrote it; nil before. Guarded by mu.
	listed []string
	// bodies is the content kept of the posts in feeds (build's state of
	// a folder; bodies.go), or nil.
	bodies *bodyStore
}

// stateData is what is saved.
type stateData struct {
	Fingerprint string
	Posts       map[string]PostRecord
	Files       map[string]FileRecord
	Removed     map[string]RemovedRecord // by post path
}

// A PostRecord is what the state keeps of one post file: 40 bytes
// beside the post (the loader's), where two times took 48 more, in each
// of 100,000 records.
type PostRecord struct {
	// Post is the post's metadata: the loader's post itself, not a copy
	// (its metadata is set once read, its Updated by UpdatePosts).
	Post    *loader.Post
	Size    int64
	ModTime nanos // of its file
	// raw is the post's update as its file gives it when Post.Updated is
	// not that (it can be later: when its digest was first seen,
	// EditTimes); nil for most posts. See Raw.
	raw   *time.Time
	Stale bool // Post is the last good version of a file that no longer reads
}

// newPostRecord is the record of the post p of a file of size bytes
// modified at mod, whose file gives raw as its update.
func newPostRecord(p *loader.Post, size int64, mod time.Time, stale bool, raw time.Time) PostRecord {
	r := PostRecord{Post: p, Size: size, ModTime: nanosOf(mod), Stale: stale}
	if p == nil || !raw.Equal(p.Updated) {
		r.raw = &raw
	}
	return r
}

// Raw is the post's update as its file gives it.
func (r PostRecord) Raw() time.Time {
	switch {
	case r.raw != nil:
		return *r.raw
	case r.Post != nil:
		return r.Post.Updated
	}
	return time.Time{}
}

// slim is a post with the metadata of p alone (what a slim loader.Post
// holds), at path.
func slim(p *loader.Post, path string) *loader.Post {
	s := &loader.Post{Path: path, Title: p.Title, Date: p.Date, Updated: p.Updated, Categories: p.Categories,
		Tags: p.Tags, Author: p.Author, Image: p.Image, Summary: p.Summary, Link: p.Link, Lang: p.Lang, Draft: p.Draft,
		Sum: p.Sum}
	s.Schedule(p.Due(), p.Expires())
	return s
}

// A FileRecord is what the state keeps of one published file.
type FileRecord struct {
	Sum     Digest // of its bytes (fileSum); zero for none
	Key     Digest // of what it was made from (feed.Site.Key); zero for none
	Changed nanos  // when its bytes last changed: its Last-Modified
	// Pending: a run started writing it and may not have finished; what
	// the file holds is to be checked, not trusted.
	Pending bool
}

// Fingerprint is the fingerprint of a state for what its parts name (the
// configuration, the templates' digest...): with the program's build (its
// version and revision) and the state's format.
func Fingerprint(parts ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "format %d\n", stateFormat)
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(h, "%s %s %s\n", bi.GoVersion, bi.Main.Path, bi.Main.Version)
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				fmt.Fprintf(h, "%s=%s\n", s.Key, s.Value)
			}
		}
	}
	fmt.Fprintf(h, "program %s\n", programID())
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// programID names this build of feedpub beyond its version, which a
// development build does not have (nor, built outside git, a revision):
// the Go build ID in its ELF notes, which changes with any change of the
// code; elsewhere the executable's size and modification time.
func programID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if sec := f.Section(".note.go.buildid"); sec != nil {
			if data, err := sec.Data(); err == nil {
				return hex.EncodeToString(data)
			}
		}
	}
	if fi, err := os.Stat(exe); err == nil {
		return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	}
	return ""
}

// LoadState reads the state name (BuildState, ServeState) of t. One that
// is missing gives an empty State; one that is torn, of another format or
// another fingerprint is refused, logged, and gives an empty State too.
func LoadState(t interface{ ReadFile(string) ([]byte, error) }, name, fingerprint string, log *slog.Logger) *State {
	st := &State{name: name, fingerprint: fingerprint}
	st.data = stateData{Fingerprint: fingerprint}
	raw, err := t.ReadFile(name)
	if err == nil {
		st.size = len(raw)
		var d stateData
		if d, err = decodeStateFile(raw, fingerprint); err == nil {
			err = st.readLog(t, &d, raw[len(stateMagic)+4:len(stateMagic)+4+sha256.Size], log)
		}
		if err == nil {
			st.data, st.clean = d, true
			for _, r := range d.Files {
				st.clean = st.clean && !r.Pending
			}
			st.readPending(t)
		}
	}
	st.refused = err != nil && !errors.Is(err, fs.ErrNotExist)
	if st.refused && log != nil {
		log.Warn("state "+name+" refused: "+err.Error()+"; rebuilding from scratch", "state", name)
	}
	if st.data.Posts == nil {
		st.data.Posts = map[string]PostRecord{}
	}
	if st.data.Files == nil {
		st.data.Files = map[string]FileRecord{}
	}
	if st.data.Removed == nil {
		st.data.Removed = map[string]RemovedRecord{}
	}
	return st
}

// decodeStateFile checks and decodes a saved state.
func decodeStateFile(raw []byte, fingerprint string) (stateData, error) {
	var d stateData
	body, err := unseal(raw, stateMagic, stateFormat, "a feedpub state")
	if err != nil {
		return d, err
	}
	dec := newStateDecoder(body)
	d, err = dec.data()
	if err != nil {
		return d, fmt.Errorf("undecodable: %w", err)
	}
	if d.Fingerprint != fingerprint {
		return d, errors.New("made by another feedpub, configuration or templates")
	}
	return d, nil
}

// encode is the bytes of the state, as saved.
func (st *State) encode() ([]byte, error) {
	size := 256 * (len(st.data.Posts) + len(st.data.Files)) // gen's posts take 200 bytes a record
	if st.size > 0 {
		size = st.size + st.size/8 // the last state's, and room to grow
	}
	e := newSealed(stateMagic, size)
	st.data.Fingerprint = st.fingerprint
	e.data(&st.data)
	return e.seal(stateMagic, stateFormat), nil
}

// newSealed is an encoder of a file that starts with magic, room left for
// the rest of its head (seal); size is a guess of the records' size.
func newSealed(magic string, size int) *stateEncoder {
	head := len(magic) + 4 + sha256.Size
	e := &stateEncoder{b: make([]byte, head, head+size)}
	copy(e.b, magic)
	return e
}

// seal fills the head of a file begun by newSealed: its format and a
// SHA-256 of its records. The state and the content kept (bodies.go) are
// sealed files.
func (e *stateEncoder) seal(magic string, format uint32) []byte {
	raw := e.b
	headLen := len(magic) + 4 + sha256.Size
	copy(raw, sealHead(magic, format, sha256.Sum256(raw[headLen:])))
	return raw
}

// sealHead is the head of a sealed file whose records have the SHA-256
// sum.
func sealHead(magic string, format uint32, sum [sha256.Size]byte) []byte {
	head := make([]byte, len(magic)+4, len(magic)+4+sha256.Size)
	copy(head, magic)
	binary.BigEndian.PutUint32(head[len(magic):], format)
	return append(head, sum[:]...)
}

// unseal checks the head of a sealed file (what names its kind) and
// returns its records.
func unseal(raw []byte, magic string, format uint32, what string) ([]byte, error) {
	headLen := len(magic) + 4 + sha256.Size
	if len(raw) < headLen || string(raw[:len(magic)]) != magic {
		return nil, fmt.Errorf("not %s (torn or foreign)", what)
	}
	head := raw[len(magic):headLen]
	if v := binary.BigEndian.Uint32(head[:4]); v != format {
		return nil, fmt.Errorf("format %d, want %d", v, format)
	}
	body := raw[headLen:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], head[4:]) {
		return nil, errors.New("bad checksum (torn or edited)")
	}
	return body, nil
}

// Save writes the state to t, atomically, if it changed since read.
func (st *State) Save(t Target) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.dirty {
		return nil
	}
	if err := st.save(t); err != nil {
		return err
	}
	st.dirty = false
	if st.pending {
		if err := t.Remove(st.name + pendingSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("publish: saving the state: %w", err)
		}
		st.pending = false
	}
	return nil
}

// pendingSuffix names, beside a state, the list of the files a run is
// writing: written before them, removed once the state that follows
// them is saved. A run killed in between leaves it, and the next trusts
// none of them (they are checked against what the files hold).
const pendingSuffix = ".pending"

// markPending lists names as being written, before they are.
func (st *State) markPending(t Target, names []string) error {
	body := []byte(strings.Join(names, "\n") + "\n")
	if _, err := t.WriteFile(st.name+pendingSuffix, body); err != nil {
		return fmt.Errorf("publish: state: %w", err)
	}
	st.mu.Lock()
	st.pending = true
	st.mu.Unlock()
	return nil
}

// readPending marks pending the files a killed run's list names.
func (st *State) readPending(t interface{ ReadFile(string) ([]byte, error) }) {
	raw, err := t.ReadFile(st.name + pendingSuffix)
	if err != nil {
		return
	}
	st.clean, st.pending = false, true
	for _, name := range strings.Split(string(raw), "\n") {
		if r, ok := st.data.Files[name]; ok {
			r.Pending = true
			st.fileChanged(name)
			st.data.Files[name] = r
		}
	}
}

// Known is what the state remembers of the post files, for
// loader.Loader.Prime.
func (st *State) Known() []loader.Known {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]loader.Known, 0, len(st.data.Posts))
	for path, r := range st.data.Posts {
		out = append(out, loader.Known{Path: path, Size: r.Size, ModTime: r.ModTime.Time(), Post: r.Post, Stale: r.Stale})
	}
	return out
}
