package publish

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"feedpub/feed"
	"feedpub/internal/compress"
)

// SiblingExts are the suffixes of the compressed siblings a Packer makes
// beside each file: what Options.Siblings lists for a Write into the same
// folder.
var SiblingExts = []string{".gz", ".br"}

// A Packer makes the compressed siblings of the files of a folder (x.gz,
// and x.br where brotli makes x smaller), in the background, each written
// atomically, from the bytes the state says x holds, and given x's
// modification time: a server of the folder (nginx's gzip_static,
// feedhttp) sends a sibling whose time is its file's, and nothing else.
// The .gz is written last, so that one with the right time says the .br
// is done too. A Packer never holds up a Write: it takes the folder's lock
// only to write the siblings of one file, and gives up a file whose bytes
// changed meanwhile.
type Packer struct {
	t    Target
	root *os.Root    // the same folder, to look at siblings' times
	mu   sync.Locker // the folder's: held by each Write into it
	st   *State
	done func(paths []string) // told the URL paths whose siblings it wrote
	log  *slog.Logger

	kick chan struct{}
	pmu  sync.Mutex
	// want is, by name, the files asked for whose siblings may not be
	// made, each with when its bytes changed (UnixNano): what else pack
	// needs of it is the state's. Files whose siblings are found there
	// leave it (packed); guarded by pmu.
	want map[string]int64

	// PostsDuty, between 0 and 1 (0 counts as 1), is the share of the
	// time the Packer works on the pages of posts: after the siblings of
	// one, it rests for as long again as they took, times 1/PostsDuty - 1,
	// so that a server's rebuilds keep the cores while 100,000 of them are
	// made. Set before Run.
	PostsDuty float64
}

// NewPacker returns a Packer of the folder dir, written through t (which
// holds the same folder) under mu, from the files recorded in st; done,
// when not nil, is told in batches the URL paths of the files whose
// siblings it wrote.
func NewPacker(dir string, t Target, mu sync.Locker, st *State, done func([]string), log *slog.Logger) (*Packer, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Packer{t: t, root: root, mu: mu, st: st, done: done, log: log,
		kick: make(chan struct{}, 1)}, nil
}

// published is the file name as the state records it, if it holds a
// version of it whose bytes changed at changed (UnixNano).
func (st *State) published(name string, changed int64) (Published, bool) {
	st.mu.Lock()
	r, ok := st.data.Files[name]
	st.mu.Unlock()
	if !ok || r.Sum.IsZero() || r.Pending || r.Changed.Time().UnixNano() != changed {
		return Published{}, false
	}
	return Published{Name: name, Path: URLPath(name), Sum: r.Sum, Changed: r.Changed.Time()}, true
}

// Offer asks for the siblings of files (State.Published after a Write):
// those not made yet are made next, feeds and pages before posts' pages,
// those nearer the top first.
func (p *Packer) Offer(files []Published) {
	want := make(map[string]int64, len(files))
	for _, f := range files {
		want[f.Name] = f.Changed.UnixNano()
	}
	p.pmu.Lock()
	p.want = want
	p.pmu.Unlock()
	p.wake()
}

// OfferChanges is Offer of the files of the last Offer changed by
// State.PublishedChanges: changed (new or with new bytes), gone (names no
// longer published). It costs the changes, not the folder.
func (p *Packer) OfferChanges(changed []Published, gone []string) {
	p.pmu.Lock()
	if p.want == nil {
		p.want = map[string]int64{}
	}
	for _, name := range gone {
		delete(p.want, name)
	}
	for _, f := range changed {
		p.want[f.Name] = f.Changed.UnixNano()
	}
	p.pmu.Unlock()
	p.wake()
}

func (p *Packer) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// packed forgets f, whose siblings are there, unless it changed meanwhile.
func (p *Packer) packed(f Published) {
	p.pmu.Lock()
	if w, ok := p.want[f.Name]; ok && w == f.Changed.UnixNano() {
		delete(p.want, f.Name)
		if len(p.want) == 0 {
			p.want = nil // a map keeps the room it grew to: 10 MB after 100,000 pages
		}
	}
	p.pmu.Unlock()
}

// Run makes the siblings asked for until ctx is done, then closes the
// folder.
func (p *Packer) Run(ctx context.Context) {
	defer p.root.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
			p.pack(ctx)
		}
	}
}

// pack makes the siblings of the last Offer's files that have none, until
// a new Offer comes (which it leaves to the next call) or ctx is done.
func (p *Packer) pack(ctx context.Context) {
	todo := p.todo()
	var batch []string
	flush := func() {
		if len(batch) > 0 && p.done != nil {
			p.done(batch)
		}
		batch = nil
	}
	defer flush()
	for _, t := range todo {
		if ctx.Err() != nil || len(p.kick) > 0 {
			return
		}
		p.pmu.Lock()
		w, ok := p.want[t.name]
		p.pmu.Unlock()
		if !ok {
			continue
		}
		f, ok := p.st.published(t.name, w)
		if !ok {
			continue // changed meanwhile: the next Offer has it
		}
		start := time.Now()
		wrote, err := p.packOne(f)
		if err != nil {
			p.log.Warn("cannot write the compressed copies of a file", "file", f.Name, "error", err)
			continue
		}
		if wrote {
			if batch = append(batch, f.Path); len(batch) >= 64 {
				flush()
			}
			if t.post {
				Rest(ctx, time.Since(start), p.PostsDuty)
			}
		}
	}
}

// Rest waits, after work that took took, as long as makes that work the
// share duty of the time (between 0 and 1; 0 or 1 and over: no wait), or
// until ctx is done: for background work that leaves the cores to
// requests and rebuilds.
func Rest(ctx context.Context, took time.Duration, duty float64) {
	if duty <= 0 || duty >= 1 {
		return
	}
	t := time.NewTimer(time.Duration(float64(took) * (1 - duty) / duty))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// packTodo is a file pack is to look at, and where in its order.
type packTodo struct {
	name  string
	post  bool // a page of a post: after the others
	depth int  // its folder's depth: the all-posts feeds and the index first
}

// todo is the names of the files wanted, in the order pack looks at
// them: feeds and pages before the pages of posts, those nearer the top
// first. Those whose siblings are there already cost pack a stat (it
// keeps no list of them: 3 MB at 100,000 pages).
func (p *Packer) todo() []packTodo {
	p.pmu.Lock()
	todo := make([]packTodo, 0, len(p.want))
	for name := range p.want {
		todo = append(todo, packTodo{name, feed.KindOf(URLPath(name)) == feed.KindPost, strings.Count(name, "/")})
	}
	p.pmu.Unlock()
	slices.SortFunc(todo, func(a, b packTodo) int {
		if a.post != b.post {
			if a.post {
				return 1
			}
			return -1
		}
		if a.depth != b.depth {
			return a.depth - b.depth
		}
		return strings.Compare(a.name, b.name)
	})
	return todo
}

// packOne makes the siblings of f unless they are there, and reports
// whether it wrote them.
func (p *Packer) packOne(f Published) (bool, error) {
	if fi, err := p.root.Stat(f.Name + ".gz"); err == nil && fi.ModTime().Equal(f.Changed) {
		p.packed(f)
		return false, nil
	}
	body, err := p.t.ReadFile(f.Name)
	if err != nil || fileSum(body) != f.Sum {
		return false, nil // changed meanwhile: the next Offer has it
	}
	gz := compress.Gzip(body)
	var br []byte
	if feed.KindOf(f.Path) != feed.KindPost { // pages of posts: many, each read now and then
		br = compress.Brotli(body)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.st.Modified(f.Name).Equal(f.Changed) {
		return false, nil
	}
	mt, _ := p.t.(modTimer)
	for _, s := range []struct {
		ext  string
		body []byte
	}{{".br", br}, {".gz", gz}} {
		if s.body == nil {
			continue
		}
		if _, err := p.t.WriteFile(f.Name+s.ext, s.body); err != nil {
			return false, err
		}
		if mt != nil {
			if err := mt.setModTime(f.Name+s.ext, f.Changed); err != nil {
				return false, err
			}
		}
	}
	p.packed(f)
	return true, nil
}
