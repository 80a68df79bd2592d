package feed

import (
	"path"
	"slices"
	"strings"

	"feedpub/loader"
)

// A slugTable is the slug of each post's page, by the post's path.
type slugTable struct {
	paths []string // sorted
	slugs []string // slugs[i] is the slug of paths[i]
	first []bool   // first[i]: slugs[i] is made from the file name alone
}

// of is the slug of the post at path p, posts[i] of the posts the table
// was made for: as the loader gives posts in the order of their paths, it
// is found without a search.
func (t *slugTable) of(i int, p string) string {
	if i < len(t.paths) && t.paths[i] == p {
		return t.slugs[i]
	}
	if j, ok := slices.BinarySearch(t.paths, p); ok {
		return t.slugs[j]
	}
	return ""
}

// postSlugs gives each post (by path) the slug of its page, from its file
// name. Where two posts' names give one slug, the later path (in path
// order) takes its folder into its slug as well, then a hash:
// deterministic, and unchanged by other posts coming due. The slugs of the
// last build are kept while the list of paths is the same.
func (b *Builder) postSlugs(posts []*loader.Post) (slugs *slugTable, changed bool) {
	if b.slugs != nil && len(posts) == len(b.slugs.paths) {
		same := true // posts in the order of the last paths (and so sorted)
		for i, p := range posts {
			if p.Path != b.slugs.paths[i] {
				same = false
				break
			}
		}
		if same {
			return b.slugs, false
		}
	}
	paths := make([]string, len(posts))
	for i, p := range posts {
		paths[i] = p.Path
	}
	if !slices.IsSorted(paths) {
		slices.Sort(paths)
	}
	if b.slugs != nil && slices.Equal(paths, b.slugs.paths) {
		return b.slugs, false
	}
	t := &slugTable{paths: paths, slugs: make([]string, len(paths)), first: make([]bool, len(paths))}
	taken := make(map[string]bool, len(paths))
	old, j := b.slugs, 0
	for i, p := range paths {
		name := strings.TrimSuffix(p, path.Ext(p))
		s := ""
		if old != nil { // a slug from the file name alone is the last table's (a new post: 100,000 Slugs not made again)
			for j < len(old.paths) && old.paths[j] < p {
				j++
			}
			if j < len(old.paths) && old.paths[j] == p && old.first[j] {
				s = old.slugs[j]
			}
		}
		if s == "" {
			s = Slug(path.Base(name))
		}
		t.first[i] = !taken[s]
		if taken[s] {
			s = Slug(strings.ReplaceAll(name, "/", "-"))
		}
		if taken[s] {
			s = Slug(name + "-" + hash8(p))
		}
		taken[s] = true
		t.slugs[i] = s
	}
	b.slugs = t
	return t, true
}
