package feed

// renderPages adds the pages for people to site.
func (b *Builder) renderPages(site *Site, items []*item) error {
	return nil
}
