package feed

import "strings"

// A Kind tells what a path of a Site holds.
type Kind int

const (
	KindOther Kind = iota // no file of ours
	KindFeed              // a feed, in one of the formats
	KindPage              // the index, a feed's page
	KindPost              // a post's page
	KindOPML              // the OPML list of feeds
	KindAsset             // the stylesheet
)

// KindOf tells the kind of file a path would hold, from its shape alone.
func KindOf(p string) Kind {
	switch {
	case p == opmlPath:
		return KindOPML
	case p == stylePath:
		return KindAsset
	case strings.HasPrefix(p, "/posts/"):
		return KindPost
	case strings.HasSuffix(p, "/"):
		return KindPage
	}
	for i := range formatList {
		if strings.HasSuffix(p, "/"+formatList[i].file) {
			return KindFeed
		}
	}
	return KindOther
}

// Config returns the configuration the Site was built with, defaults
// filled.
func (s *Site) Config() Config { return s.r.Config }

// FeedAt describes the feed at path p, if the Site has one there.
func (s *Site) FeedAt(p string) (FeedInfo, bool) {
	sf, ok := s.paths[p]
	if !ok || sf.ch == nil || sf.f < 0 {
		return FeedInfo{}, false
	}
	return sf.ch.info(), true
}

// URL is the absolute URL of the site path p.
func (s *Site) URL(p string) string { return s.r.abs(p) }

// IsPost reports whether p is the path of a post's page on the Site.
func (s *Site) IsPost(p string) bool { return s.post(p) != nil }

// TypeOf is the media type (with charset) of the file at path p of a
// Site, from the path's shape alone, or "" for a path that holds none of
// ours: what a server of the published folder sends as Content-Type.
func TypeOf(p string) string {
	switch KindOf(p) {
	case KindFeed:
		for i := range formatList {
			if strings.HasSuffix(p, "/"+formatList[i].file) {
				return formatList[i].mediaType
			}
		}
	case KindPage, KindPost:
		return htmlType
	case KindOPML:
		return opmlType
	case KindAsset:
		return cssType
	}
	return ""
}

// Abs is the absolute URL of the site path p under c's URL (defaults
// filled, as Builder.Config gives it).
func (c Config) Abs(p string) string { return c.abs(p) }

// Config returns the configuration of b's Sites, defaults filled.
func (b *Builder) Config() Config { return b.r.Config }
