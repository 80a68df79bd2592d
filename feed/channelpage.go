package feed

// appendChannelPage appends the page of a feed pg as the embedded
// channel.html makes it (see postpage.go; TestChannelPageFast compares
// the two).
func appendChannelPage(b []byte, pg *channelPage) []byte {
	b = appendPageHead(b, &pg.pageBase)
	b = append(b, "\n<h1>"...)
	b = appendEscaped(b, pg.Heading)
	b = append(b, "</h1>\n<p class=\"meta\">"...)
	b = appendEscaped(b, pg.Count)
	b = append(b, " · "...)
	b = appendEscaped(b, pg.T.Updated)
	b = append(b, ' ')
	b = appendDate(b, &pg.Updated)
	b = append(b, "</p>\n<p>"...)
	b = appendEscaped(b, pg.T.FeedHint)
	b = append(b, "</p>\n<p class=\"subscribe\">"...)
	for i, l := range pg.Links {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendLink(b, l.Href, ` type="`+mediaTypeOf(l.Kind)+`"`, l.Label)
	}
	b = append(b, "</p>\n<ol class=\"items\">"...)
	for i := range pg.Items {
		b = appendChannelItem(b, &pg.Items[i])
	}
	if len(pg.Items) == 0 {
		b = append(b, "\n<li>"...)
		b = appendEscaped(b, pg.T.NoPosts)
		b = append(b, "</li>"...)
	}
	b = append(b, "\n</ol>"...)
	if pg.More != "" {
		b = append(b, "\n<p class=\"meta\">"...)
		b = appendEscaped(b, pg.More)
		b = append(b, "</p>"...)
	}
	b = append(b, '\n')
	b = append(b, pg.Frame.Foot...)
	return append(b, '\n')
}

// appendChannelItem appends one item of a feed's page.
func appendChannelItem(b []byte, v *itemView) []byte {
	b = append(b, "\n<li class=\"item\""...)
	if v.Lang != "" {
		b = append(b, " lang=\""...)
		b = appendEscaped(b, v.Lang)
		b = append(b, '"')
	}
	b = append(b, '>')
	if v.Image != "" {
		b = append(b, "\n<a href=\""...)
		b = appendURLAttr(b, v.Page)
		b = append(b, "\" class=\"thumb\"><img src=\""...)
		b = appendURLAttr(b, v.Image)
		b = append(b, "\" alt=\"\" loading=\"lazy\"></a>"...)
	}
	b = append(b, "\n<h2>"...)
	b = appendLink(b, v.Page, "", v.Title)
	b = append(b, "</h2>\n<p class=\"meta\">"...)
	b = appendDate(b, &v.Date)
	if v.Author != "" {
		b = append(b, " · "...)
		b = appendEscaped(b, v.Author)
	}
	b = append(b, "</p>"...)
	if v.Summary != "" {
		b = append(b, "\n<p class=\"summary\">"...)
		b = appendEscaped(b, v.Summary)
		b = append(b, "</p>"...)
	}
	return append(b, "\n</li>"...)
}

// mediaTypeOf is layout.html's "mediatype" of a link's kind.
func mediaTypeOf(kind string) string {
	switch kind {
	case "rss":
		return "application/rss+xml"
	case "atom":
		return "application/atom+xml"
	}
	return "application/feed+json"
}
