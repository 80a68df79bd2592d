package feed

import (
	"slices"
	"strings"
)

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
func (s *Site) Config() Config { return s.cfg }

// FeedAt describes the feed at path p, if the Site has one there.
func (s *Site) FeedAt(p string) (FeedInfo, bool) {
	lf, ok := s.feedAt(p)
	if !ok {
		return FeedInfo{}, false
	}
	return lf.ch.info(), true
}

// feedAt finds the channel and format of the feed at path p.
func (s *Site) feedAt(p string) (leanFeed, bool) {
	if lf, ok := s.feeds[p]; ok {
		return lf, true
	}
	if s.lean || len(s.channels) == 0 {
		return leanFeed{}, false
	}
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return leanFeed{}, false
	}
	dir, file := p[1:i+1], p[i+1:]
	f := slices.IndexFunc(formatList[:], func(f format) bool { return f.file == file })
	if f < 0 {
		return leanFeed{}, false
	}
	if dir == "" {
		return leanFeed{s.channels[0], f}, true
	}
	slug, ok := strings.CutPrefix(dir, "categories/")
	if slug, ok2 := strings.CutSuffix(slug, "/"); ok && ok2 {
		cats := s.channels[1:]
		if k, found := slices.BinarySearchFunc(cats, slug, func(ch *channel, slug string) int { return strings.Compare(ch.slug, slug) }); found {
			return leanFeed{cats[k], f}, true
		}
	}
	return leanFeed{}, false
}

// IsPost reports whether p is the path of a post's page on the Site.
func (s *Site) IsPost(p string) bool { return s.post(p) != nil }
