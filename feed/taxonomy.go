package feed

import (
	"fmt"
	"slices"
	"strings"

	"feedpub/loader"
)

// A taxonomy groups posts into feeds of their own by a field of their
// front matter: /<dir><slug>/ holds a feed in every format and a page, and
// /<dir> lists them. Adding a taxonomy is one more row in taxonomyList.
type taxonomy struct {
	name  string // as in Config.Taxonomies (feedpub.yaml's taxonomies)
	dir   string // path prefix of its feeds: "categories/"
	mark  string // written before a term in a feed's title: "#" for tags
	terms func(p *loader.Post) []string
	// The words of its index page, keys of the message catalogue (i18n.go).
	heading, hint, none string
}

var taxonomyList = []taxonomy{
	{name: "categories", dir: "categories/", terms: func(p *loader.Post) []string { return p.Categories },
		heading: msgCategories, hint: msgCatsHint, none: msgNoCats},
	{name: "tags", dir: "tags/", mark: "#", terms: func(p *loader.Post) []string { return p.Tags },
		heading: msgTags, hint: msgTagsHint, none: msgNoTags},
	{name: "authors", dir: "authors/", terms: func(p *loader.Post) []string { return []string{p.Author.Name} },
		heading: msgAuthors, hint: msgAuthorsHint, none: msgNoAuthors},
}

// taxCategories is the row of categories in taxonomyList.
const taxCategories = 0

// Taxonomies lists the names of the taxonomies there are, the default of
// Config.Taxonomies.
func Taxonomies() []string {
	out := make([]string, len(taxonomyList))
	for i, t := range taxonomyList {
		out[i] = t.name
	}
	return out
}

// taxonomiesOf checks names and returns the rows they choose, in the
// order of taxonomyList.
func taxonomiesOf(names []string) ([]int, error) {
	var out []int
	for _, n := range names {
		i := slices.IndexFunc(taxonomyList, func(t taxonomy) bool { return t.name == n })
		if i < 0 {
			return nil, fmt.Errorf("taxonomy %q: want one of %s", n, strings.Join(Taxonomies(), ", "))
		}
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out, nil
}

// A term is one feed an item belongs to: a category, a tag, an author.
type term struct {
	tax        int // in taxonomyList
	name, slug string
}

// dir is the folder of the term's feeds.
func (t term) dir() string { return taxonomyList[t.tax].dir + t.slug + "/" }

// A termID names a term among every taxonomy's: terms whose names give
// one slug are one feed.
type termID struct {
	tax  int
	slug string
}

func (t term) id() termID { return termID{t.tax, t.slug} }

// termsOf lists the terms of post p in the taxonomies taxes, in their
// order; names with nothing but spaces are none.
func termsOf(p *loader.Post, taxes []int, slugs *slugCache) []term {
	var buf [4][]string // the names of each taxonomy of taxes, read once
	names := buf[:0]
	n := 0
	for _, tx := range taxes {
		list := taxonomyList[tx].terms(p)
		names = append(names, list)
		n += len(list)
	}
	out := make([]term, 0, n) // at its size
	for i, tx := range taxes {
		for _, name := range names[i] {
			if strings.TrimSpace(name) != "" {
				out = append(out, term{tax: tx, name: name, slug: slugs.slug(name)})
			}
		}
	}
	return out
}

// hasTaxonomy reports whether the renderer publishes feeds of taxonomy tx.
func (c *renderer) hasTaxonomy(tx int) bool { return slices.Contains(c.taxes, tx) }

// taxPath is the path of the index page of taxonomy tx: "/categories/".
func taxPath(tx int) string { return "/" + taxonomyList[tx].dir }

// taxonomyPage is the index of a taxonomy: every term with its count, its
// newest date and its feeds.
type taxonomyPage struct {
	pageBase
	Heading, Hint, None string
	Rows                []categoryRow
}

type categoryRow struct {
	Name, Page, Count string
	Updated           pageDate
	Links             []pageLink
}

// chanRows writes what the rows of a page listing feeds are made from,
// the one thing of the index, the OPML list or the index of a taxonomy
// that changes from build to build: a page made from the same rows has the
// same bytes. It lists the channels of taxonomy tx, or all for tx -1 (the
// all-posts feed first). last is the last build's, a good guess of the
// room needed.
func chanRows(tx int, chans []*channel, last []byte) []byte {
	k := keyBuf{b: make([]byte, 0, len(last))}
	for _, ch := range chans {
		if tx < 0 || ch.tax == tx {
			k.str(ch.name)
			k.str(ch.dir)
			k.str(ch.title)
			k.str(ch.description)
			k.int(int64(len(ch.items)))
			k.time(ch.updated)
		}
	}
	return k.b
}

// renderTaxonomy makes the index of the terms of taxonomy tx among chans
// (all posts first, then each taxonomy's terms by slug).
func (c *renderer) renderTaxonomy(tx int, chans []*channel) ([]byte, error) {
	tax := &taxonomyList[tx]
	p := taxPath(tx)
	pg := taxonomyPage{pageBase: c.base(p, "")}
	pg.Heading, pg.Hint, pg.None = pg.T.p.Sprintf(tax.heading), pg.T.p.Sprintf(tax.hint), pg.T.p.Sprintf(tax.none)
	pg.Title = pg.Heading + " · " + c.Title
	pg.Alternates = feedLinks(chans[0], pg.Root)
	for _, ch := range chans[1:] {
		if ch.tax != tx {
			continue
		}
		pg.Rows = append(pg.Rows, categoryRow{Name: ch.name, Page: rel(pg.Root, pagePath(ch)), Count: pg.T.posts(len(ch.items)),
			Updated: pg.date(c, ch.updated), Links: feedLinks(ch, pg.Root)})
	}
	if err := pg.makeFrame(); err != nil {
		return nil, err
	}
	return execute(c.tmpl, "categories.html", pg)
}
