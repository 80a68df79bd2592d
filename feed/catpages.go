package feed

// The index of categories, "/categories/": every category with its count,
// its newest date and its feeds.

const categoriesPath = "/categories/"

type categoriesPage struct {
	pageBase
	Heading string
	Rows    []categoryRow
}

type categoryRow struct {
	Name, Page, Count string
	Updated           pageDate
	Links             []pageLink
}

// renderCategories makes the index of the categories of chans (all posts
// first, then the categories by slug).
func (c *renderer) renderCategories(chans []*channel) ([]byte, error) {
	pg := categoriesPage{pageBase: c.base(categoriesPath, "")}
	pg.Heading = pg.T.Categories
	pg.Title = pg.T.Categories + " · " + c.Title
	pg.Alternates = feedLinks(chans[0], pg.Root)
	for _, ch := range chans[1:] {
		pg.Rows = append(pg.Rows, categoryRow{Name: ch.name, Page: rel(pg.Root, pagePath(ch)), Count: pg.T.posts(len(ch.items)),
			Updated: pg.date(c, ch.updated), Links: feedLinks(ch, pg.Root)})
	}
	if err := pg.makeFrame(); err != nil {
		return nil, err
	}
	return execute("categories.html", pg)
}
