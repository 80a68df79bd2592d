package publish

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"feedpub/feed"
	"feedpub/internal/feedtest"
	"feedpub/internal/gen"
)

// variedSite is a lean Site of posts of many sizes (gen.Varied), whose
// pages and feeds are each longer or shorter than the last: what a body
// made in a reused buffer must get right.
func variedSite(t testing.TB) *feed.Site {
	t.Helper()
	s, err := feed.BuildLean(gen.Varied(400, 6), feed.Config{Title: "测试站", URL: "https://news.example.com/", Limit: 40}, feedtest.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// variedFiles is what a variedSite publishes, by file name: each body
// made anew (Site.Body), none in a reused buffer.
func variedFiles(t testing.TB) map[string][]byte {
	t.Helper()
	s := variedSite(t)
	out := map[string][]byte{}
	for _, p := range s.Paths() {
		name, err := fileName(p)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = bodyAt(t, s, p)
	}
	return out
}

// sameFiles checks that got holds the files of want, byte for byte, and
// their gzips when gz; other names are fine when extra says so.
func sameFiles(t *testing.T, what string, got, want map[string][]byte, gz bool, extra func(name string) bool) {
	t.Helper()
	for name, w := range want {
		if g, ok := got[name]; !ok || !bytes.Equal(g, w) {
			t.Errorf("%s: %s: %d bytes (there: %v), want the %d made anew", what, name, len(g), ok, len(w))
		}
		if !gz {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(got[name+".gz"]))
		if err != nil {
			t.Errorf("%s: %s.gz: %v", what, name, err)
			continue
		}
		if g, err := io.ReadAll(zr); err != nil || !bytes.Equal(g, w) {
			t.Errorf("%s: %s.gz: not the file gzipped (%v)", what, name, err)
		}
	}
	for name := range got {
		base := strings.TrimSuffix(name, ".gz")
		if _, ok := want[base]; !ok && !extra(name) || base != name && !gz {
			t.Errorf("%s: %s written, not a file of the site", what, name)
		}
	}
}

// Files written to folders in the buffers of files written before (Dir,
// feed.Site.TakeBody) are the bytes each file has when made anew: built
// three times in one process (with gzips, with a state), the later runs
// in the buffers the earlier ones gave back, each file compared byte for
// byte.
func TestWriteDirRecycledBodies(t *testing.T) {
	want := variedFiles(t)
	for round, opt := range []Options{{}, {Gzip: true}, {Now: feedtest.Now}} {
		dir := t.TempDir()
		d, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if round == 2 {
			opt.State = LoadState(d, BuildState, "fp", nil)
		}
		if _, err := Write(variedSite(t), d, opt); err != nil {
			t.Fatal(err)
		}
		d.Close()
		sameFiles(t, "round "+string(rune('0'+round)), feedtest.ReadTree(t, dir), want, opt.Gzip, func(name string) bool {
			return name == manifestName || strings.HasPrefix(name, stateDir)
		})
	}
}

// keepingTarget keeps the bodies it is given, not copies of them, as a
// Target that uploads in the background may.
type keepingTarget struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (k *keepingTarget) ReadFile(name string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return b, nil
}

func (k *keepingTarget) WriteFile(name string, body []byte) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.files[name] = body
	return true, nil
}

func (k *keepingTarget) Remove(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.files, name)
	return nil
}

// A Target other than a folder may keep the bytes it is given: none of
// them is made again in for another file. Written to such a Target, then
// to a folder (whose files are made in reused buffers), each body the
// Target kept is still the file's.
func TestWriteKeepingTargetKeepsItsBodies(t *testing.T) {
	want := variedFiles(t)
	k := &keepingTarget{files: map[string][]byte{}}
	if _, err := Write(variedSite(t), k, Options{Gzip: true, State: LoadState(k, BuildState, "fp", nil), Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(variedSite(t), t.TempDir(), Options{}); err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	sameFiles(t, "kept", k.files, want, true, func(name string) bool {
		return name == manifestName || strings.HasPrefix(name, stateDir)
	})
}
