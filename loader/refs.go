package loader

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// refs finds the posts that one post's tags name ({% post_url %},
// {% link %}, {% post_link %}, {{< ref >}}) in the site's folder, and
// gives their addresses as the generator makes them.
type refs struct {
	realRoot string
	site     *Site
	loc      *time.Location
	limit    int64
}

// resolve is Options.Resolve: the address of the post ref names, "" when
// none is found.
func (r *refs) resolve(from, kind, ref string) string {
	ref = strings.Trim(strings.TrimSpace(ref), `"'`)
	if ref == "" || strings.Contains(ref, "..") {
		return ""
	}
	for _, rel := range r.candidates(from, kind, ref) {
		if link := r.link(rel); link != "" {
			return link
		}
	}
	return ""
}

// candidates are the files ref may name, relative to the site's folder.
func (r *refs) candidates(from, kind, ref string) []string {
	var out []string
	glob := func(pattern string) {
		m, _ := filepath.Glob(filepath.Join(r.realRoot, filepath.FromSlash(pattern)))
		for _, f := range m {
			if rel, err := filepath.Rel(r.realRoot, f); err == nil {
				out = append(out, filepath.ToSlash(rel))
			}
		}
	}
	switch r.site.Dialect {
	case Jekyll:
		if kind == "link" {
			return []string{strings.TrimPrefix(ref, "/")}
		}
		for _, dir := range []string{"_posts", "*/_posts", "*/*/_posts"} {
			glob(dir + "/" + ref + ".*")
		}
	case Hexo:
		glob(r.site.Content + "/" + ref + ".*")
		glob(r.site.Content + "/*/" + ref + ".*")
	case Hugo:
		ref = strings.TrimSuffix(strings.SplitN(ref, "#", 2)[0], "/")
		bases := []string{path.Join(path.Dir(from), ref), path.Join(r.site.Content, ref)}
		for _, b := range bases {
			out = append(out, b, b+".md", b+"/index.md")
		}
		if !strings.Contains(ref, "/") {
			out = append(out, r.byName(ref)...)
		}
	}
	return out
}

// byName finds Hugo pages named name (with or without extension) anywhere
// in the content folder.
func (r *refs) byName(name string) []string {
	var out []string
	root := filepath.Join(r.realRoot, filepath.FromSlash(r.site.Content))
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(out) > 0 {
			return nil
		}
		base := d.Name()
		if base == name || strings.TrimSuffix(base, path.Ext(base)) == name {
			if rel, err := filepath.Rel(r.realRoot, p); err == nil {
				out = append(out, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	return out
}

// link reads the front matter of the post at rel and makes its address.
func (r *refs) link(rel string) string {
	if !IsPostFile(path.Base(rel)) {
		return ""
	}
	abs := filepath.Join(r.realRoot, filepath.FromSlash(rel))
	fi, err := os.Stat(abs)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > r.limit {
		return ""
	}
	data, err := readFile(abs, fi.Size(), r.limit)
	if err != nil {
		return ""
	}
	post, _, err := Parse(rel, data, Options{Location: r.loc, Site: r.site, NoBody: true})
	if err != nil {
		return ""
	}
	return post.Link
}
