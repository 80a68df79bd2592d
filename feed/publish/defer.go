package publish

import (
	"strings"

	"feedpub/feed"
)

// WritePaths writes the files of the site's paths ps that Write left for
// later (Options.Defer), as Write writes files: each atomically, only
// when its bytes are not those the state records, the state told. It
// neither lists them in the manifest (the Write that deferred them did)
// nor saves the state (the next Write does, or Save). It returns how many
// files it wrote.
func WritePaths(s *feed.Site, t Target, ps []string, opt Options) (int, error) {
	files := make([]string, len(ps))
	for i, p := range ps {
		var err error
		if files[i], err = fileName(p); err != nil {
			return 0, err
		}
	}
	return writeFiles(s, t, ps, files, nil, opt)
}

// KeepContent keeps in t the content of the posts in the site's feeds,
// as Write does but for a Write that left files for later (Options.Defer):
// its caller calls it once those are written. It does not save the state.
func KeepContent(s *feed.Site, t Target, st *State) error {
	if st.bodies == nil {
		return nil
	}
	return st.bodies.keep(s, t)
}

// Holds reports whether the state records a version of the file name
// (its bytes known, none being written).
func (st *State) Holds(name string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := st.data.Files[name]
	return !r.Sum.IsZero() && !r.Pending
}

// undeferred is todo without the indexes of paths that defer names and
// whose files the state holds no version of; todo for a nil defer.
func (st *State) undeferred(todo []int, paths, files []string, deferP func(string) bool) []int {
	if deferP == nil {
		return todo
	}
	out := todo[:0]
	for _, i := range todo {
		if !deferP(paths[i]) || st.Holds(files[i]) {
			out = append(out, i)
		}
	}
	return out
}

// Deferred returns the paths of s that defer names whose files the state
// holds no version of: what a Write with Options.Defer left for later.
func (st *State) Deferred(s *feed.Site, deferP func(string) bool) []string {
	var out []string
	var name []byte // fileName's, made in one buffer: a lookup, not an allocation, per path
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, p := range s.Paths() {
		if !deferP(p) {
			continue
		}
		name = append(name[:0], strings.TrimPrefix(p, "/")...)
		if len(name) == 0 || name[len(name)-1] == '/' {
			name = append(name, witness...)
		}
		if r := st.data.Files[string(name)]; r.Sum.IsZero() || r.Pending {
			out = append(out, p)
		}
	}
	return out
}

// saveFinished saves the state at the end of a Write, which leaves it
// clean: this run finished, and swept, so the next Write of this State
// (serve's next rebuild) need not sweep again.
func (st *State) saveFinished(t Target) error {
	if err := st.Save(t); err != nil {
		return err
	}
	st.mu.Lock()
	st.clean = true
	st.mu.Unlock()
	return nil
}
