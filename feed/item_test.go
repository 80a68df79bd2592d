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

// uuid5 is RFC 4122's name-based SHA-1 UUID in the URL namespace (the
// values are Python's uuid.uuid5(uuid.NAMESPACE_URL, name)).
func TestUUID5(t *testing.T) {
	for name, want := range map[string]string{
		"https://news.example.com/#2024/a.md": "urn:uuid:6c50dad9-8040-599b-8227-3a0e2ffa5f79",
		"":                                    "urn:uuid:1b4db7eb-4057-5ddf-91e0-36dec72071f5",
		"金融":                                  "urn:uuid:b06511c1-9ead-57b2-ba50-436254415a8f",
	} {
		if got := uuid5(name); got != want {
			t.Errorf("uuid5(%q) = %s, want %s", name, got, want)
		}
	}
}
