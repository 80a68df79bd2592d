package feed

import (
	"fmt"
	"html/template"
	"io/fs"
	"slices"
	"strings"
	"time"

	"feedpub/loader"
)

// Config.Templates overrides the pages' templates: each *.html file in it
// takes the place of the embedded file of the same name (and of the
// templates that file defines). A template that does not parse, or that
// fails on a sample site, is an error when the Builder is made, naming its
// file and line, never a broken page later.

// pageTemplatesOf is the embedded templates with those of dir over them.
func pageTemplatesOf(dir fs.FS) (*template.Template, error) {
	if dir == nil {
		return pageTemplates, nil
	}
	names, err := fs.Glob(dir, "*.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	known, _ := fs.Glob(templateFS, "templates/*.html")
	for i, k := range known {
		known[i] = strings.TrimPrefix(k, "templates/")
	}
	t, err := template.ParseFS(templateFS, "templates/*.html") // pageTemplates may have executed: no Clone
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, name := range names {
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("templates: %s: not one of the pages' templates (%s)", name, strings.Join(known, ", "))
		}
		data, err := fs.ReadFile(dir, name)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		if _, err := t.New(name).Parse(string(data)); err != nil {
			return nil, fmt.Errorf("templates: %w", err) // "template: post.html:3: ..."
		}
	}
	return t, nil
}

// trySample renders every kind of page of a small sample site with the
// renderer's templates: one that fails at execution fails here.
func (c *renderer) trySample() error {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var posts []*loader.Post
	for i, title := range []string{"Sample", "Other"} {
		d := now.Add(-time.Duration(i+1) * time.Hour)
		posts = append(posts, &loader.Post{Path: fmt.Sprintf("sample%d.md", i), Title: title, Date: d, Updated: d.Add(time.Minute),
			Categories: []string{"Sample"}, Tags: []string{"sample"}, Author: loader.Author{Name: "Sample"},
			Image: "https://example.com/a.png", Summary: "A sample.", Body: "<p>A sample.</p>", Lang: "en"})
	}
	b := newBuilder(c)
	site, err := b.Build(posts, now)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	for _, p := range site.Paths() {
		if _, err := site.File(p); err != nil {
			return fmt.Errorf("templates: %w", err)
		}
	}
	return nil
}
