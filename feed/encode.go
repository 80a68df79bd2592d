package feed

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
)

// feedState is what a channel's feeds were made from, so that a rebuild
// can keep them without encoding anything when it is the same.
type feedState struct {
	name, title, description string
	updated                  time.Time
	archives                 int     // how many archive documents it links to
	items                    []*item // the newest Limit
	gone                     []tombstone
	files                    [nFormats]*File
	ch                       *channel // the channel it was last found in
	hint                     PollHint // ch's poll hint (pollhint.go); zero for none
}

func (st *feedState) same(ch *channel, items []*item, archives int) bool {
	return st.name == ch.name && st.title == ch.title && st.description == ch.description &&
		st.updated.Equal(ch.updated) && slices.Equal(st.items, items) && st.archives == archives &&
		slices.Equal(st.gone, ch.gone)
}

// encodeFeeds writes every channel in every format into site. A channel
// whose newest items (and title) are those of the last build keeps its
// files without encoding anything; items are encoded once each; a feed
// whose bytes are those of the last build keeps the last build's File
// (and ETag).
func (b *Builder) encodeFeeds(site *Site) error {
	chans := site.channels
	feeds := make(map[string]*feedState, len(chans))
	var stale []*channel
	for _, ch := range chans {
		top := ch.items[:min(b.r.Limit, len(ch.items))]
		archives := b.r.archiveCount(len(ch.items))
		// The poll hint comes from more than the newest Limit: a channel
		// made again may have a new one.
		hint := func() PollHint { h, _ := b.r.pollHint(ch); return h }
		if st := b.feeds[ch.dir]; st != nil && st.same(ch, top, archives) && (st.ch == ch || st.hint == hint()) {
			st.ch = ch
			feeds[ch.dir] = st
			continue
		}
		feeds[ch.dir] = &feedState{name: ch.name, title: ch.title, description: ch.description,
			updated: ch.updated, archives: archives, items: slices.Clone(top), ch: ch, hint: hint(), gone: ch.gone}
		stale = append(stale, ch)
	}
	type job struct {
		ch *channel
		f  int
	}
	jobs := make([]job, 0, len(stale)*len(formatList))
	for _, ch := range stale {
		for f := range formatList {
			jobs = append(jobs, job{ch, f})
		}
	}
	files := make([]*File, len(jobs))
	offs := make([][]int, len(jobs))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		g.Go(func() (err error) {
			files[i], offs[i], err = b.encodeFeed(j.ch, j.f, feeds[j.ch.dir].items)
			if err != nil {
				return fmt.Errorf("feed: /%s%s: %w", j.ch.dir, formatList[j.f].file, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, j := range jobs {
		p := "/" + j.ch.dir + formatList[j.f].file
		if old := b.files[p].file; old != nil && old.ETag == files[i].ETag {
			files[i] = old
		}
		feeds[j.ch.dir].files[j.f] = files[i]
		// Each item's encoding becomes a window on the bytes of a feed
		// that holds it: one copy of it in memory, not two. The feed kept
		// has the same bytes as the one just made, so the offsets hold.
		if offs[i] != nil {
			body := files[i].Body
			for k, it := range feeds[j.ch.dir].items {
				if k >= len(offs[i]) || offs[i][k] < 0 { // a summary, or left out: see feedBody
					continue
				}
				it.mu.Lock()
				end := offs[i][k] + len(it.encoding(j.f))
				it.setEncoding(j.f, body[offs[i][k]:end:end])
				it.mu.Unlock()
			}
		}
	}
	for _, ch := range chans {
		for f := range formatList {
			site.paths["/"+ch.dir+formatList[f].file] = siteFile{file: feeds[ch.dir].files[f], ch: ch, f: f}
		}
	}
	b.release(feeds, stale)
	b.feeds = feeds
	return nil
}

// release counts, for each item, the feeds that hold it now (feeds; stale
// are the channels encoded anew), and makes an item that no feed holds any
// more drop its content and encodings, which would otherwise hold a whole
// old feed's bytes.
func (b *Builder) release(feeds map[string]*feedState, stale []*channel) {
	for _, ch := range stale {
		for _, it := range feeds[ch.dir].items {
			it.feeds++
		}
	}
	for dir, st := range b.feeds {
		if feeds[dir] == st {
			continue
		}
		for _, it := range st.items {
			if it.feeds--; it.feeds == 0 {
				it.release()
			}
		}
	}
}

// encodeFeed encodes items as one feed of format f, encoding each item
// that has no encoding in f yet, and returns where each item's bytes start
// in the feed (nil if they cannot be told).
func (b *Builder) encodeFeed(ch *channel, f int, items []*item) (*File, []int, error) {
	parts := make([][]byte, len(items))
	for i, it := range items {
		it.mu.Lock() // another feed may be encoding it
		if it.encoding(f) == nil {
			enc, err := b.r.encodeItem(it, f, b.r.prepare(it, true))
			if err != nil {
				it.mu.Unlock()
				return nil, nil, fmt.Errorf("%s: %w", it.post.Path, err)
			}
			it.setEncoding(f, enc)
		}
		parts[i] = it.encoding(f)
		it.mu.Unlock()
	}
	body, offs, err := b.r.feedBody(ch, f, b.r.feedURL(ch, &formatList[f]), items, parts)
	if err != nil {
		return nil, nil, err
	}
	return newFile(body, formatList[f].mediaType, newest(items, len(items))), offs, nil
}
