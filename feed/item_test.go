package feed

import (
	"reflect"
	"slices"
	"testing"

	"feedpub/loader"
)

// An item's categories are the post's, with their slugs, whichever
// taxonomies have feeds; where categories have, they are the first of the
// item's terms, not a copy.
func TestItemCategories(t *testing.T) {
	p := &loader.Post{Path: "a.md", Categories: []string{"金融", "News"}, Tags: []string{"go"}, Author: loader.Author{Name: "x"}}
	want := []category{{tax: taxCategories, name: "金融", slug: Slug("金融")}, {tax: taxCategories, name: "News", slug: "news"}}
	for _, taxes := range [][]int{{0, 1, 2}, {1, 2}, nil} {
		it := newItem(p, "a", taxes, &slugCache{})
		if !reflect.DeepEqual(it.categories, want) {
			t.Errorf("taxonomies %v: got categories %+v, want %+v", taxes, it.categories, want)
		}
		shared := len(it.terms) > 0 && &it.categories[0] == &it.terms[0]
		if has := slices.Contains(taxes, taxCategories); shared != has {
			t.Errorf("taxonomies %v: categories shared with terms: %v, want %v", taxes, shared, has)
		}
		if cap(it.categories) != len(it.categories) {
			t.Errorf("taxonomies %v: categories have room to append into terms", taxes)
		}
	}
}
