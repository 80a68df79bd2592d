package feed

import (
	"fmt"
	"strconv"
	"strings"
)

// Archived feeds (RFC 5005, Feed Paging and Archiving), when
// Config.Archives is set. Each feed holds its newest Limit items, as
// always; the older ones are in archive documents of Limit items each,
// numbered from the oldest: /<dir>archive/<k>/<file>. Archive k holds the
// items k*Limit-Limit+1 to k*Limit in order of date, and the last one
// those that are left (maybe none), so a new post moves one item into the
// last archive and changes no full archive: a full archive never changes
// (until a post in it is edited or removed, or one older is added), and
// is served with a long, immutable Cache-Control. The current feed links
// prev-archive to the newest archive, each archive links prev-archive,
// next-archive and current (atom:link in RSS too; JSON Feed's next_url
// goes to older items), and a feed whose whole history fits says
// fh:complete. Archives are made when asked for, not kept.

const historyNS = "http://purl.org/syndication/history/1.0"

// archiveCount is how many archive documents a feed of n items has.
func (c *Config) archiveCount(n int) int {
	if !c.Archives || n <= c.Limit {
		return 0
	}
	// Full archives, then the one that fills next (maybe empty): every
	// full archive links next-archive to a document that is there, from
	// the moment it is full on, so its bytes never change.
	return (n-c.Limit)/c.Limit + 1
}

// archiveItems are the items of archive k (from 1) of ch, newest first.
func (c *Config) archiveItems(ch *channel, k int) []*item {
	old := ch.items[min(c.Limit, len(ch.items)):]
	m := len(old)
	return old[max(0, m-k*c.Limit) : m-(k-1)*c.Limit]
}

// archivePath is the path of archive k of ch in format f.
func archivePath(ch *channel, k, f int) string {
	return "/" + ch.dir + "archive/" + strconv.Itoa(k) + "/" + formatFiles[f]
}

// addArchives lists the archives of every feed of site.
func (c *renderer) addArchives(site *Site) {
	for _, ch := range site.channels {
		for k := 1; k <= c.archiveCount(len(ch.items)); k++ {
			for f := range formatList {
				site.paths[archivePath(ch, k, f)] = siteFile{ch: ch, f: f, arch: k}
			}
		}
	}
}

// historyLink is a link between the documents of a feed's history.
type historyLink struct{ rel, href string }

// history is what the document arch (0 for the current feed) of ch in
// format f says of the feed's history: its links, and whether it is an
// archive or the complete feed. None without Config.Archives.
func (c *Config) history(ch *channel, f, arch int) (links []historyLink, archive, complete bool) {
	if !c.Archives {
		return nil, false, false
	}
	n := c.archiveCount(len(ch.items))
	at := func(k int) string { return c.abs(strings.TrimPrefix(archivePath(ch, k, f), "/")) }
	if arch == 0 {
		if n == 0 {
			return nil, false, true
		}
		return []historyLink{{"prev-archive", at(n)}}, false, false
	}
	links = append(links, historyLink{"current", c.abs(ch.dir + formatFiles[f])})
	if arch > 1 {
		links = append(links, historyLink{"prev-archive", at(arch - 1)})
	}
	if arch < n {
		links = append(links, historyLink{"next-archive", at(arch + 1)})
	}
	return links, true, false
}

// archiveBody makes archive k of ch in format f, its text converted by
// conv unless nil.
func (s *Site) archiveBody(ch *channel, f, k int, conv *Chinese) ([]byte, error) {
	c := s.r
	items := c.archiveItems(ch, k)
	if conv != nil {
		items, ch = conv.items(c, items), conv.channel(ch)
	}
	parts := make([][]byte, len(items))
	for i, it := range items {
		enc, err := c.encodeItem(it, f, c.prepare(it, false))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", it.post.Path, err)
		}
		parts[i] = enc
	}
	arch := *ch
	arch.arch = k
	arch.updated = newest(items, len(items)) // its own: a newer post changes nothing in it
	body, _, err := c.feedBody(&arch, f, c.abs(strings.TrimPrefix(archivePath(ch, k, f), "/")), items, parts)
	return body, err
}

// Archive tells whether p is an archive document of the Site, and whether
// it is full: its bytes then never change.
func (s *Site) Archive(p string) (is, full bool) {
	sf, ok := s.paths[p]
	if !ok || sf.arch == 0 {
		return false, false
	}
	return true, sf.arch < s.r.archiveCount(len(sf.ch.items))
}

// element is an empty element when b is set, none otherwise.
func element(b bool) *struct{} {
	if b {
		return &struct{}{}
	}
	return nil
}
