// Package feed is the pure core of feedpub, posts in, bytes out: it turns
// the loader's posts into a Site, every feed (RSS 2.0, Atom 1.0 and JSON
// Feed 1.1, for all posts and for each category) and page we publish, as
// prepared bytes. The same posts, Config and due posts give the same bytes.
//
// It does no I/O of its own and imports neither os nor net/http, no
// compression library but the standard one, no metrics and no x/sys (net/url
// and net/mail only, as parsers): serving a Site is feed/feedhttp's job,
// writing it feed/publish's. The one way it reaches the file system is
// through the loader, to read again a post it was handed slim
// (loader.Post.Full).
//
// Files: build.go (the Builder, in phases), item.go (a post prepared for
// publishing), group.go (feeds by category), encode.go (feeds in every
// format), lean.go (a Site written once), formats.go and rss.go, atom.go,
// json.go, opml.go (one file per format), pages.go and templates/ (pages
// for people), content.go (sanitising, URLs), slug.go, site.go (the Site),
// bufpool.go (the buffers that bodies taken by a writer are made in),
// filter.go (a feed narrowed by a query), render.go (the renderer),
// memory.go (what a publisher keeps of earlier builds: the content of
// posts that no longer read), tombstone.go (RFC 6721 tombstones).
package feed
