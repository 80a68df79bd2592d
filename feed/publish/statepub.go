package publish

// pubDelta is what changed among the files of a State since the last
// PublishedChanges: by name, the file's record then (zero for none
// published), noted at its first change since.
type pubDelta struct {
	was  map[string]FileRecord
	all  bool // every file: the next PublishedChanges lists them all
	told bool // PublishedChanges was called
}

// fileChanged notes, before the record of the file name changes, what it
// was: for the log of the next Save, and for the next PublishedChanges.
// st.mu is held.
func (st *State) fileChanged(name string) {
	st.delta.file(name)
	if st.pub.all {
		return
	}
	if st.pub.was == nil {
		st.pub.was = map[string]FileRecord{}
	}
	if _, seen := st.pub.was[name]; !seen {
		st.pub.was[name] = st.data.Files[name]
	}
}

// Changes is what PublishedChanges returns: the files published since the
// last call or published again with other bytes or time (Added of them
// first: those not published then), and the names of those no longer
// published; Bytes lists, of Files, those whose bytes changed. All says
// Files is every file, as Published returns them.
type Changes struct {
	Files []Published
	Added int
	Bytes []Published
	Gone  []string
	All   bool
}

// PublishedChanges is Published as changes to what the last call
// returned. The first call, and the first after the state stopped
// trusting its files, returns every file (All). One caller alone may use
// it.
func (st *State) PublishedChanges() Changes {
	st.mu.Lock()
	if !st.pub.told || st.pub.all {
		st.pub = pubDelta{told: true}
		st.mu.Unlock()
		files := st.Published()
		return Changes{Files: files, Added: len(files), Bytes: files, All: true}
	}
	defer st.mu.Unlock()
	var c Changes
	var again []Published
	for name, was := range st.pub.was {
		r := st.data.Files[name]
		had := !was.Sum.IsZero() && !was.Pending
		switch now := !r.Sum.IsZero() && !r.Pending; {
		case now && !had:
			f := Published{Name: name, Path: URLPath(name), Sum: r.Sum, Changed: r.Changed.Time()}
			c.Files = append(c.Files, f)
			c.Bytes = append(c.Bytes, f)
		case now && (r.Sum != was.Sum || r.Changed != was.Changed):
			f := Published{Name: name, Path: URLPath(name), Sum: r.Sum, Changed: r.Changed.Time()}
			again = append(again, f)
			if r.Sum != was.Sum {
				c.Bytes = append(c.Bytes, f)
			}
		case !now && had:
			c.Gone = append(c.Gone, name)
		}
	}
	c.Added = len(c.Files)
	c.Files = append(c.Files, again...)
	st.pub.was = nil
	return c
}
