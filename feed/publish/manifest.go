package publish

import (
	"fmt"
	"slices"
	"strings"
)

// The manifest (manifestName, in the root of a folder) lists every file
// that feedpub wrote there, one name a line, so that a later run removes
// only its own files.

// siteFiles is the file of each of a site's paths, and the sorted names
// of all the files they publish (with gzip, each file's .gz too).
func siteFiles(paths []string, gzip bool) (files, names []string, err error) {
	files = make([]string, len(paths))
	names = make([]string, 0, len(paths)*2)
	for i, p := range paths {
		if files[i], err = fileName(p); err != nil {
			return nil, nil, err
		}
		names = append(names, files[i])
		if gzip {
			names = append(names, files[i]+".gz")
		}
	}
	slices.Sort(names)
	for i := 1; i < len(names); i++ { // the state's plan counts on it
		if names[i] == names[i-1] {
			return nil, nil, fmt.Errorf("publish: two paths of the site publish the file %s", names[i])
		}
	}
	return files, names, nil
}

// missing is the names of old (a manifest's) that names, sorted, lacks.
func missing(names, old []string) []string {
	if !slices.IsSorted(old) { // a manifest edited by hand
		old = slices.Sorted(slices.Values(old))
	}
	var out []string
	i := 0
	for _, n := range old {
		for i < len(names) && names[i] < n {
			i++
		}
		if i == len(names) || names[i] != n {
			out = append(out, n)
		}
	}
	return out
}

// manifestBody is the manifest listing names.
func manifestBody(names []string) []byte {
	if len(names) == 0 {
		return []byte("\n")
	}
	n := 0
	for _, name := range names {
		n += len(name) + 1
	}
	b := make([]byte, 0, n) // one allocation, not a joined string and its copy: 5 MB each at 100k
	for _, name := range names {
		b = append(append(b, name...), '\n')
	}
	return b
}

// manifest is the list of the manifest of t: the one st last wrote there
// (a serve's rebuilds write the same folder again and again), or read.
// st may be nil.
func (st *State) manifest(t Target) []string {
	if st == nil {
		return readManifest(t)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.listed == nil {
		st.listed = readManifest(t)
	}
	return st.listed
}

// writeManifest writes the manifest of t, listing names, and remembers it
// in st (which may be nil).
func (st *State) writeManifest(t Target, names []string) error {
	if _, err := t.WriteFile(manifestName, manifestBody(names)); err != nil {
		return err
	}
	if st != nil {
		st.mu.Lock()
		st.listed = names
		st.mu.Unlock()
	}
	return nil
}

func readManifest(t Target) []string {
	data, err := t.ReadFile(manifestName)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
