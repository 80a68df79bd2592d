package main

import (
	"cmp"
	"context"
	"path"
	"slices"
	"time"

	"feedpub/feed"
	"feedpub/feed/publish"
)

// deferPage tells the pages of posts, all of which a first build makes
// (100,000 for as many posts).
func deferPage(p string) bool { return feed.KindOf(p) == feed.KindPost }

// deferFirst tells which files a first build leaves to the pager when the
// folder holds no version of them: all but the feeds of all posts and the
// small files that link to the rest (the index, the OPML list, the
// stylesheet). A reader's first answer waits for no category's feed, no
// archive and no page; those are made when asked for meanwhile.
func deferFirst(p string) bool {
	switch feed.KindOf(p) {
	case feed.KindOPML, feed.KindAsset:
		return false
	case feed.KindFeed:
		return path.Dir(p) != "/"
	case feed.KindPage:
		return p != "/"
	}
	return true
}

// pagerRank orders what the pager writes: feeds first (readers poll
// them), then the pages of feeds, then the pages of posts.
func pagerRank(p string) int {
	switch feed.KindOf(p) {
	case feed.KindFeed:
		return 0
	case feed.KindPost:
		return 2
	}
	return 1
}

// deferMin is how many pages of posts the folder must lack for a rebuild
// to leave them to the pager: fewer are written at once, with the feeds.
const deferMin = 256

// pagerBatch is how many pages the pager writes at a time under the
// folder's lock: a rebuild waits for one batch at most.
const pagerBatch = 32

// pagerIndexEvery is how often the pager publishes the index of what it
// wrote (until then those pages are made when asked for).
const pagerIndexEvery = 2 * time.Second

// pager writes, in the background, the pages that a rebuild left for
// later (publish.Options.Defer), in batches, each under the folder's lock
// alone: a post written meanwhile is rebuilt and served at once, not
// after every page. A newer Site's offer replaces the one under way.
type pager struct {
	s    *server
	next *latest[pageOffer]
}

// pageOffer is the pages of site left for later, to be made as of now.
type pageOffer struct {
	site *feed.Site
	now  time.Time
}

func newPager(s *server) *pager { return &pager{s: s, next: newLatest[pageOffer]()} }

// offer asks for the pages of site that its rebuild left for later, made
// as of now. Which they are is found by the pager, not the rebuild: in the
// first minute, when each rebuild leaves 100,000 pages for later, only
// the last offer's are listed.
func (pg *pager) offer(site *feed.Site, now time.Time) { pg.next.offer(pageOffer{site, now}) }

// run writes what is offered until ctx is done.
func (pg *pager) run(ctx context.Context) {
	pg.next.run(ctx, func(o pageOffer) { pg.write(ctx, o.site, pg.paths(o.site), o.now) })
}

// paths is the pages of site left for later (none once a newer Site is
// made), in the order they are written.
func (pg *pager) paths(site *feed.Site) []string {
	s := pg.s
	s.outMu.RLock()
	var paths []string
	if s.latest.Load() == site {
		paths = s.st.Deferred(site, deferFirst)
	}
	s.outMu.RUnlock()
	slices.SortStableFunc(paths, func(a, b string) int { return cmp.Compare(pagerRank(a), pagerRank(b)) })
	return paths
}

// write writes the pages of the last offer, until it is written or a
// newer Site is published; then the state is saved and the index told.
// Every pagerIndexEvery it publishes the index of what it wrote, saves the
// state (so that what the state holds for its log since the last save
// stays small) and lets the memory limit follow the live heap.
func (pg *pager) write(ctx context.Context, site *feed.Site, paths []string, now time.Time) {
	if len(paths) == 0 {
		return
	}
	s := pg.s
	begun, total := time.Now(), len(paths)
	last := begun
	for len(paths) > 0 && ctx.Err() == nil {
		batch := paths[:min(pagerBatch, len(paths))]
		paths = paths[len(batch):]
		start := time.Now()
		if !pg.writeBatch(ctx, site, batch, now) {
			break
		}
		if time.Since(last) >= pagerIndexEvery {
			pg.save()
			s.publishIndex(site)
			s.mem.forLive()
			last = time.Now()
		}
		publish.Rest(ctx, time.Since(start), pagerDuty)
	}
	s.outMu.RLock()
	done := len(paths) == 0 && s.latest.Load() == site
	if done { // all written: the content of its feeds kept
		if err := publish.KeepContent(site, s.out, s.st); err != nil && ctx.Err() == nil {
			s.log.Warn("cannot keep the content of posts in feeds", "error", err)
		}
	}
	s.outMu.RUnlock()
	pg.save() // what was written, even when stopped
	s.publishIndex(site)
	if done { // the folder is whole: a web server in front of it has every page
		s.log.Info("pages written", "files", total, "duration", time.Since(begun).Round(time.Millisecond))
	}
}

// save saves the state, under the folder's read lock.
func (pg *pager) save() {
	s := pg.s
	s.outMu.RLock()
	defer s.outMu.RUnlock()
	if err := s.st.Save(s.out); err != nil {
		s.log.Warn("cannot save the state", "error", err)
	}
}

// pagerDuty is the share of the time the pager works: it rests after each
// batch three times as long as the batch took, and so leaves a core to
// rebuilds and makes garbage a quarter as fast (each page read, parsed and
// made again: 40 KB of it), so the collector runs less often while a
// rebuild runs. The Packer works on the pages of posts at the same duty.
const pagerDuty = 0.25

// writeBatch writes the pages ps of site unless a newer Site was made,
// and reports whether to go on.
func (pg *pager) writeBatch(ctx context.Context, site *feed.Site, ps []string, now time.Time) bool {
	s := pg.s
	// Shared with the packer (which writes only siblings of files the
	// state holds, and these pages it does not): a rebuild's Write alone
	// excludes both.
	s.outMu.RLock()
	defer s.outMu.RUnlock()
	if s.latest.Load() != site {
		return false // the newer Site's offer has its pages
	}
	_, err := publish.WritePaths(site, s.out, ps, publish.Options{Context: ctx, State: s.st, Now: now, Siblings: publish.SiblingExts})
	s.out.Forget() // the folders of these pages: written once, not again soon
	if err != nil && ctx.Err() == nil {
		s.log.Error("writing pages of posts", "error", err)
	}
	return err == nil
}
