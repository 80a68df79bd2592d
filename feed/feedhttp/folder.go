package feedhttp

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"feedpub/feed"
	"feedpub/feed/publish"
)

// Serving a published folder, as nginx does: memory holds an index (path,
// ETag, Last-Modified, type, which compressed siblings are there), the
// bytes stay in the folder and leave from the page cache with sendfile.
// The index comes from the folder's state (publish.State.Published): a
// file's ETag is the digest of its bytes, its Last-Modified when they last
// changed, which is also the file's modification time. A file is sent only
// if its modification time is the index's: one replaced since (a rebuild
// writing it now) is sent once the index that names it is published.

// A Folder is a published output folder, held open: every file is opened
// relative to it, and no name or symbolic link leads outside it.
type Folder struct {
	root *os.Root
	// held counts the files kept open by entries (at most maxHeld), so
	// that the index of a large folder does not hold a descriptor per file.
	held atomic.Int64
}

// maxHeld is the most files of a Folder that stay open between requests.
const maxHeld = 2048

// OpenFolder holds the folder dir open for serving.
func OpenFolder(dir string) (*Folder, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Folder{root: root}, nil
}

// Close releases the folder; files held open by an index close when it is
// dropped.
func (fo *Folder) Close() error { return fo.root.Close() }

// A Publication is what PublishFolder serves: the files of a folder and,
// when there is one, the Site they were written from, which makes
// filtered feeds (?filter=...) and tells archives apart. Without a Site
// (a restart, before the first rebuild) filtered feeds wait for one.
type Publication struct {
	Folder *Folder
	Files  []publish.Published
	// Update: Files are only the files changed since the last
	// publication of the same Folder, Gone the names of those no longer
	// published (publish.State.PublishedChanges).
	Update bool
	Gone   []string
	Site   *feed.Site
	// Config is the site's configuration, defaults filled
	// (feed.Builder.Config): its URL, TTL and WebSub hub.
	Config feed.Config
}

// folderSnap is a Publication prepared for requests. Its map never
// changes once made; its entries' open files and siblings are found on
// first use.
type folderSnap struct {
	folder *Folder
	site   *feed.Site // nil before the first rebuild
	files  *fileIndex
	cache  *queryCache
	pages  *pageGzips // of the pages of posts not written yet
	cc     []string
	// hdrs are the shared header values of the entries made for this
	// snapshot (headers); nil once it is published.
	hdrs map[headerKey]*fileHeaders
}

// fileEntry is one file of the folder and its prepared header values,
// kept small: a large folder has one for each of 110,000 files. Header
// values that many files share (type, Cache-Control, Last-Modified: a
// build writes its files at one time) are shared; the ETag is made when
// asked for.
type fileEntry struct {
	name  string         // in the folder
	sum   publish.Digest // of its bytes
	hdr   *fileHeaders   // shared with the files of its type changed at its time
	fm    *feedMeta      // for feeds when the Site or a hub is known; nil for others
	class class
	// The file and its siblings, opened and checked on first use: nil
	// until then, absent when there is none (or none of these bytes).
	id, gz, br atomic.Pointer[openFile]
}

// fileHeaders are the header values of the files of one type whose bytes
// last changed at one time.
type fileHeaders struct {
	modTime      time.Time
	mod, typ, cc []string
}

// feedMeta is what a feed's entry knows of it beside its bytes.
type feedMeta struct {
	feed     *feed.FeedInfo // which one, when the Site is known and it is no archive
	archive  bool           // an archive document, when the Site is known
	cc, link []string       // Cache-Control when not the snapshot's; Link to the hub
}

// modTime is when the file's bytes last changed: its Last-Modified.
func (e *fileEntry) modTime() time.Time { return e.hdr.modTime }

// cacheControl is the entry's Cache-Control value.
func (e *fileEntry) cacheControl() []string {
	if e.fm != nil && e.fm.cc != nil {
		return e.fm.cc
	}
	return e.hdr.cc
}

// linkValue is the entry's Link value, nil for none.
func (e *fileEntry) linkValue() []string {
	if e.fm == nil {
		return nil
	}
	return e.fm.link
}

// etag is the ETag of the file's bytes.
func (e *fileEntry) etag() string { return `"` + hex.EncodeToString(e.sum[:12]) + `"` }

// openFile is a file of the folder found to hold the bytes of its entry.
type openFile struct {
	f      *os.File // nil for absent
	fd     int
	size   int64
	enc    []string // Content-Encoding; nil for none
	length []string
	etag   []string
	plain  string // the ETag of the entry's file (etag's for the file itself)
	held   bool   // kept open by the entry; else closed after the request
}

// absent marks a sibling that is not there (or not of these bytes).
var absent = &openFile{}

// PublishFolder makes the files of p the ones served, in one call: a
// request sees one whole publication. Entries of files whose bytes did
// not change keep what the last publication found (open files,
// siblings). With p.Update, p lists only what changed since the last
// publication of the same Folder: the other files stay as they were, and
// the call costs the changes, not the folder.
func (h *Handler) PublishFolder(p Publication) {
	h.pub.Lock()
	defer h.pub.Unlock()
	prev := h.dir.Load()
	var gauge func(int64)
	if h.Metrics != nil {
		gauge = h.Metrics.queryCacheBytes
	}
	sn := &folderSnap{folder: p.Folder, site: p.Site,
		cache: newQueryCache(gauge), pages: &pageGzips{m: map[string][]byte{}}, cc: []string{cacheControl(p.Config.TTL)}}
	if prev != nil && prev.site == p.Site && p.Site != nil { // the same Site: its filtered feeds still hold
		sn.cache, sn.pages = prev.cache, prev.pages
	}
	if prev == nil || prev.folder != p.Folder {
		prev = nil
	}
	if !p.Update || prev == nil {
		base := make(map[string]*fileEntry, len(p.Files))
		ix := &fileIndex{base: base}
		for _, f := range p.Files {
			if !hidden(f.Name) {
				e := sn.entry(f, prev, p)
				base[f.Name] = e
				if e.class == classFeed {
					ix.feeds = append(ix.feeds, f.Name)
				}
			}
		}
		ix.n = len(base)
		sn.files, sn.hdrs = ix, nil
		h.dir.Store(sn)
		return
	}
	set := make(map[string]*fileEntry, len(p.Files)+len(p.Gone))
	for _, name := range p.Gone {
		set[name] = nil
	}
	for _, f := range p.Files {
		if !hidden(f.Name) {
			set[f.Name] = sn.entry(f, prev, p)
		}
	}
	if prev.site != p.Site { // the feeds' entries tell of the Site
		for _, name := range prev.files.feeds {
			if e, ok := set[name]; !ok {
				e = prev.files.named(name)
				set[name] = sn.entry(publish.Published{Name: name, Path: publish.URLPath(name), Sum: e.sum, Changed: e.modTime()}, prev, p)
			}
		}
	}
	sn.files, sn.hdrs = prev.files.with(set), nil
	h.dir.Store(sn)
}

// entry is the entry of the file f in sn, published by p: prev's (the
// last snapshot of the same folder, or nil) when its bytes are the same
// and it does not tell of another Site.
func (sn *folderSnap) entry(f publish.Published, prev *folderSnap, p Publication) *fileEntry {
	var old *fileEntry
	if prev != nil {
		if e := prev.files.named(f.Name); e != nil && e.sum == f.Sum && e.modTime().Equal(f.Changed) {
			old = e
		}
	}
	if old != nil && (prev.site == p.Site || old.class != classFeed) { // only feeds tell of their Site
		return old
	}
	e := newFileEntry(f, sn, p)
	if old != nil { // the same bytes: what was found of them holds
		e.id.Store(old.id.Load())
		e.gz.Store(old.gz.Load())
		e.br.Store(old.br.Load())
	}
	return e
}

func newFileEntry(f publish.Published, sn *folderSnap, p Publication) *fileEntry {
	e := &fileEntry{name: f.Name, sum: f.Sum, class: classOf(f.Path), hdr: sn.headers(feed.TypeOf(f.Path), f.Changed)}
	if e.class != classFeed {
		return e
	}
	fm := &feedMeta{}
	if p.Site != nil {
		is, full := p.Site.Archive(f.Path)
		if fi, ok := p.Site.FeedAt(f.Path); ok && !is {
			fm.feed = &fi
		}
		fm.archive = is
		if full {
			fm.cc = immutableCC
		}
	}
	if hub := p.Config.Hub; hub != "" {
		fm.link = linkHeader(hub, p.Config.Abs(f.Path))
	}
	if fm.feed != nil || fm.archive || fm.cc != nil || fm.link != nil {
		e.fm = fm
	}
	return e
}

// headerKey tells fileHeaders apart.
type headerKey struct {
	typ  string
	unix int64
}

// headers returns the header values of a file of type typ changed at t,
// shared with the other files of sn's publication of that type and time.
func (sn *folderSnap) headers(typ string, t time.Time) *fileHeaders {
	k := headerKey{typ, t.UnixNano()}
	if h := sn.hdrs[k]; h != nil { // the same instant: Equal
		return h
	}
	h := &fileHeaders{modTime: t, mod: []string{t.UTC().Format(http.TimeFormat)}, typ: []string{typ}, cc: sn.cc}
	if sn.hdrs == nil {
		sn.hdrs = map[headerKey]*fileHeaders{}
	}
	sn.hdrs[k] = h
	return h
}

// hidden reports whether a file of the folder is no page: the state, the
// manifest, temporary files, anything whose name or folder starts with a
// dot.
func hidden(name string) bool {
	return strings.HasPrefix(name, ".") || strings.Contains(name, "/.")
}

// Ready reports whether the Handler serves anything yet.
func (h *Handler) Ready() bool { return h.dir.Load() != nil || h.snap.Load() != nil }

// open returns the file of e (ext "" for the file itself, ".gz", ".br"),
// opened and checked: its modification time must be the entry's. For a
// file that is not there or holds other bytes it returns nil for the file
// itself (a rebuild is writing it: its index comes next) and absent, kept
// in the entry, for a sibling.
func (fo *Folder) open(e *fileEntry, ext string) *openFile {
	slot := &e.id
	switch ext {
	case ".gz":
		slot = &e.gz
	case ".br":
		slot = &e.br
	}
	if of := slot.Load(); of != nil {
		return of
	}
	f, err := fo.root.Open(e.name + ext)
	var fi os.FileInfo
	if err == nil {
		if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() || !fi.ModTime().Equal(e.modTime()) {
			f.Close()
			err = os.ErrNotExist
		}
	}
	if err != nil {
		if ext == "" {
			return nil
		}
		return fo.remember(slot, absent)
	}
	of := &openFile{f: f, fd: int(f.Fd()), size: fi.Size(), length: []string{strconv.FormatInt(fi.Size(), 10)}, plain: e.etag()}
	of.etag = []string{of.plain}
	switch ext {
	case ".gz":
		of.etag, of.enc = []string{gzipETag(of.plain)}, gzipValue
	case ".br":
		of.etag, of.enc = []string{brETag(of.plain)}, brValue
	}
	if fo.held.Add(1) > maxHeld {
		fo.held.Add(-1)
		return of
	}
	of.held = true
	if got := fo.remember(slot, of); got != of {
		fo.held.Add(-1)
		f.Close()
		return got
	}
	// Closed (by its os.File) once no entry or request refers to it.
	runtime.AddCleanup(of, func(n *atomic.Int64) { n.Add(-1) }, &fo.held)
	return of
}

// remember keeps of as what slot holds unless another request was first.
func (fo *Folder) remember(slot *atomic.Pointer[openFile], of *openFile) *openFile {
	if slot.CompareAndSwap(nil, of) {
		return of
	}
	return slot.Load()
}

// release closes of after a request unless an entry keeps it.
func (of *openFile) release() {
	if of.f != nil && !of.held {
		of.f.Close()
	}
}

// file reads the file of e whole, as a File (to convert its text).
func (fo *Folder) file(e *fileEntry) (*feed.File, error) {
	of := fo.open(e, "")
	if of == nil {
		return nil, errors.New("feedhttp: " + e.name + " is being rebuilt")
	}
	defer of.release()
	body := make([]byte, of.size)
	if _, err := of.f.ReadAt(body, 0); err != nil {
		return nil, fmt.Errorf("feedhttp: %w", err)
	}
	return &feed.File{Body: body, ETag: e.etag(), Modified: e.modTime(), Type: e.hdr.typ[0]}, nil
}

// SiblingsWritten tells the Handler that the compressed siblings of the
// files at paths were written (publish.Packer): they are looked for again.
func (h *Handler) SiblingsWritten(paths []string) {
	sn := h.dir.Load()
	if sn == nil {
		return
	}
	for _, p := range paths {
		if e := sn.files.get(p); e != nil {
			for _, slot := range []*atomic.Pointer[openFile]{&e.gz, &e.br} {
				if of := slot.Load(); of == absent {
					slot.CompareAndSwap(of, nil)
				}
			}
		}
	}
}

// foldersWait is how long a request waits for the index of a file that a
// rebuild is writing now before it gives up with 503.
const foldersWait = 2 * time.Second
