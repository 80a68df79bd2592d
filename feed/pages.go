package feed

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Pages for people: the index of feeds at "/", one page per feed ("/all/"
// and "/categories/<slug>/"), one page per post ("/posts/<slug>/"), the
// OPML list of feeds and the stylesheet. Every link between pages is
// relative, so the folder that build writes is a complete site wherever it
// is served from, and the same bytes are served by serve.

//go:embed templates
var templateFS embed.FS

// pageTemplates are parsed once; a *template.Template is safe for
// concurrent Execute.
var pageTemplates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

var styleCSS = mustRead("templates/style.css")

// styleModified is the Last-Modified of the stylesheet: fixed, so that the
// output does not depend on when it was built.
var styleModified = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

const (
	htmlType = "text/html; charset=utf-8"
	cssType  = "text/css; charset=utf-8"
	opmlType = "text/x-opml; charset=utf-8"

	stylePath = "/style.css"
	opmlPath  = "/feeds.opml"
	allPath   = "/all/"
)

func mustRead(name string) []byte {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// pagePath is the path of the HTML page that goes with ch.
func pagePath(ch *channel) string {
	if ch.dir == "" {
		return allPath
	}
	return "/" + ch.dir
}

// postPath is the path of an item's page.
func postPath(it *item) string { return "/posts/" + it.slug + "/" }

// rel is the link from a page whose path is at depth levels below the root
// to the site path p, each segment percent-encoded.
func rel(root, p string) string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		if root == "" {
			return "./"
		}
		return root
	}
	if pathPlain(p) { // as url.PathEscape leaves each segment
		return root + p
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return root + strings.Join(segs, "/")
}

// pathPlain reports whether p holds only slashes and bytes that
// url.PathEscape leaves as they are.
func pathPlain(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/$&+:=@", c) >= 0) {
			return false
		}
	}
	return true
}

// rootOf is the relative link from the page at path p to the site root:
// "" for "/", "../" for "/all/", "../../" for "/posts/x/".
func rootOf(p string) string {
	return strings.Repeat("../", strings.Count(strings.Trim(p, "/"), "/")+min(1, len(strings.Trim(p, "/"))))
}

type pageLink struct{ Href, Kind, Title, Label string }

type pageDate struct{ ISO, Text string }

// pageBase is what every page's head and foot show.
type pageBase struct {
	Lang, Title, Description, SiteTitle, Root, Home string
	T                                               *chrome // the words, in the site's language
	Alternates                                      []pageLink
	Taxes                                           []pageLink         // the index of each taxonomy: Href, Label
	Frame                                           *frame             // made from the fields above by makeFrame
	tmpl                                            *template.Template // the renderer's
}

// frame is the part of a page that depends on its depth and its feed
// links only: the same for every post's page, so made once for them all
// (html/template costs more for it than for the post itself).
type frame struct {
	Alternates template.HTML // the <link rel="alternate"> tags
	Foot       template.HTML
	t          *chrome // the words of the pages it frames
}

// makeFrame renders pb's frame.
func (pb *pageBase) makeFrame() error {
	alt, err := execute(pb.tmpl, "alternates", pb.Alternates)
	if err != nil {
		return err
	}
	foot, err := execute(pb.tmpl, "foot-body", pb)
	if err != nil {
		return err
	}
	pb.Frame = &frame{Alternates: template.HTML(alt), Foot: template.HTML(foot), t: pb.T}
	return nil
}

type feedView struct {
	Title, Page  string
	Items        int
	Count        string // Items in words
	Updated      pageDate
	UpdatedLabel string
	Links        []pageLink
}

type itemView struct {
	Title, Page, Image, Author, Summary string
	Lang                                string // the post's, when it is not the page's
	Date                                pageDate
}

type categoryView struct{ Name, Page, Feed, FeedTitle string }

// navLink is a link to another post: its page and title.
type navLink struct{ Href, Title string }

type indexPage struct {
	pageBase
	Feeds []template.HTML // each feed's entry, made by the template feed-entry
}

// indexEntry is a feed's entry on the index page, kept from build to build
// while its view is the same: a rebuild renders the entries of the feeds
// that changed only.
type indexEntry struct {
	view feedView
	html template.HTML
}

func (v *feedView) same(w *feedView) bool {
	return v.Title == w.Title && v.Page == w.Page && v.Items == w.Items && v.Updated == w.Updated && slices.Equal(v.Links, w.Links)
}

type channelPage struct {
	pageBase
	Heading string
	Count   string // the number of posts, in words
	More    string // how many the page shows, when not all
	Updated pageDate
	Links   []pageLink
	Items   []itemView
}

type postPage struct {
	pageBase
	Heading, PostLang, Author, AuthorURL, Image, Original string
	Date                                                  pageDate
	Revised                                               *pageDate
	Categories                                            []categoryView
	Older, Newer                                          *navLink // the posts before and after it in time
	Body                                                  template.HTML
}

// date is t as the pages show it: in the site's zone and language.
func (pb *pageBase) date(c *renderer, t time.Time) pageDate { return pb.T.date(t, c.Location) }

func (c *renderer) base(p, title string) pageBase { return c.baseIn(p, title, chromeOf(c.Language)) }

// baseIn is base with the chrome t, made already.
func (c *renderer) baseIn(p, title string, t *chrome) pageBase {
	root := rootOf(p)
	pb := pageBase{Lang: t.Lang, T: t, Title: title, Description: c.Description, SiteTitle: c.Title, Root: root, Home: rel(root, ""),
		tmpl: c.tmpl}
	for _, tx := range c.taxes {
		pb.Taxes = append(pb.Taxes, pageLink{Href: rel(root, taxPath(tx)), Label: t.p.Sprintf(taxonomyList[tx].heading)})
	}
	return pb
}

// feedLinks are the subscription links of ch, relative to root.
func feedLinks(ch *channel, root string) []pageLink {
	out := make([]pageLink, len(formatList))
	labels := [nFormats]string{"RSS", "Atom", "JSON Feed"}
	for i := range formatList {
		f := &formatList[i]
		out[i] = pageLink{Href: rel(root, ch.dir+f.file), Kind: f.name, Title: ch.title + " (" + labels[i] + ")", Label: labels[i]}
	}
	return out
}

// renderPages adds the pages for people to site: a page per feed, the
// index, the OPML list and the stylesheet. A page whose bytes did not
// change keeps the last build's File, so its ETag. The page of
// each post is made when asked for (Site.File), not here: a folder of
// 100,000 posts would otherwise hold as many pages.
func (b *Builder) renderPages(site *Site) error {
	c := b.r
	chans := site.channels

	add := func(p string, f *File, ch *channel) {
		if old := b.files[p].file; old != nil && old.ETag == f.ETag && old.Type == f.Type {
			f = old
		}
		site.paths[p] = siteFile{file: f, ch: ch, f: -1}
	}
	add(stylePath, newFile(styleCSS, cssType, styleModified), nil)

	pages := make(map[string]*channelPageState, len(chans))
	for _, ch := range chans {
		if b.lean { // made as it is written
			site.paths[pagePath(ch)] = siteFile{ch: ch, f: -1}
			continue
		}
		top := ch.items[:min(c.Limit, len(ch.items))]
		if st := b.chanPages[ch.dir]; st != nil && st.same(ch, top) {
			pages[ch.dir] = st
			site.paths[pagePath(ch)] = siteFile{file: st.file, ch: ch, f: -1}
			continue
		}
		body, err := c.renderChannel(ch, bufs{})
		if err != nil {
			return fmt.Errorf("feed: page of %s: %w", pagePath(ch), err)
		}
		add(pagePath(ch), newFile(body, htmlType, ch.updated), ch)
		pages[ch.dir] = &channelPageState{title: ch.title, description: ch.description, updated: ch.updated,
			count: len(ch.items), items: slices.Clone(top), file: site.paths[pagePath(ch)].file}
	}
	b.chanPages = pages

	rows := make(map[int][]byte, len(c.taxes)+1)
	kept := func(tx int, ps ...string) bool { // pages listing the same rows as the last build's
		rows[tx] = chanRows(tx, chans, b.rows[tx])
		if !bytes.Equal(rows[tx], b.rows[tx]) {
			return false
		}
		for _, p := range ps {
			if b.files[p].file == nil {
				return false
			}
		}
		for _, p := range ps {
			site.paths[p] = siteFile{file: b.files[p].file, f: -1}
		}
		return true
	}
	if !kept(-1, "/", opmlPath) {
		body, err := b.renderIndex(chans)
		if err != nil {
			return fmt.Errorf("feed: index page: %w", err)
		}
		add("/", newFile(body, htmlType, chans[0].updated), nil)
		body, err = b.opml(chans)
		if err != nil {
			return fmt.Errorf("feed: %s: %w", opmlPath, err)
		}
		add(opmlPath, newFile(body, opmlType, chans[0].updated), nil)
	}
	for _, tx := range c.taxes {
		p := taxPath(tx)
		if kept(tx, p) {
			continue
		}
		body, err := c.renderTaxonomy(tx, chans)
		if err != nil {
			return fmt.Errorf("feed: %s: %w", p, err)
		}
		add(p, newFile(body, htmlType, chans[0].updated), nil)
	}
	b.rows = rows // with b.files: once the build is made
	return nil
}

// renderIndex makes the index page of chans, rendering again only the
// entries of the feeds that changed.
func (b *Builder) renderIndex(chans []*channel) ([]byte, error) {
	c := b.r
	idx := indexPage{pageBase: c.base("/", c.Title)}
	entries := make(map[string]indexEntry, len(chans))
	for _, ch := range chans {
		links := feedLinks(ch, "")
		idx.Alternates = append(idx.Alternates, links...)
		view := feedView{Title: ch.title, Page: rel("", pagePath(ch)), Items: len(ch.items), Count: idx.T.posts(len(ch.items)),
			Updated: idx.date(c, ch.updated), UpdatedLabel: idx.T.Updated, Links: links}
		e, ok := b.indexEntries[ch.dir]
		if !ok || !e.view.same(&view) {
			body, err := execute(c.tmpl, "feed-entry", view)
			if err != nil {
				return nil, err
			}
			e = indexEntry{view, template.HTML(body)}
		}
		entries[ch.dir] = e
		idx.Feeds = append(idx.Feeds, e.html)
	}
	b.indexEntries = entries
	if err := idx.makeFrame(); err != nil {
		return nil, err
	}
	return execute(c.tmpl, "index.html", idx)
}

// channelPageState is what a feed's page was made from, so that a rebuild
// keeps the page without rendering it when its newest items, their count
// and its title are the same.
type channelPageState struct {
	title, description string
	updated            time.Time
	count              int
	items              []*item
	file               *File
}

func (st *channelPageState) same(ch *channel, top []*item) bool {
	return st.title == ch.title && st.description == ch.description && st.updated.Equal(ch.updated) &&
		st.count == len(ch.items) && slices.Equal(st.items, top)
}

func execute(t *template.Template, name string, data any) ([]byte, error) {
	return executeInto(t, name, data, nil)
}

// executeInto executes a template into the empty buffer buf, grown if
// need be: one of about the page's size, so that a long page is not grown
// and copied step by step.
func executeInto(t *template.Template, name string, data any, buf []byte) ([]byte, error) {
	w := bytes.NewBuffer(buf)
	if err := t.ExecuteTemplate(w, name, data); err != nil {
		return nil, err
	}
	return htmlChars(w.Bytes()), nil
}

// renderChannel makes the page of ch, in a buffer from in.
func (c *renderer) renderChannel(ch *channel, in bufs) ([]byte, error) {
	p := pagePath(ch)
	pg := channelPage{pageBase: c.base(p, ch.title)}
	if ch.dir == "" {
		pg.Heading = pg.T.AllPosts
	} else {
		pg.Heading = taxonomyList[ch.tax].mark + ch.name
	}
	pg.Count, pg.Updated = pg.T.posts(len(ch.items)), pg.date(c, ch.updated)
	pg.Links = feedLinks(ch, pg.Root)
	pg.Alternates = pg.Links
	if err := pg.makeFrame(); err != nil {
		return nil, err
	}
	if ch.description != "" {
		pg.Description = ch.description
	}
	shown := ch.items[:min(c.Limit, len(ch.items))]
	if len(shown) < len(ch.items) {
		pg.More = pg.T.more(len(shown), len(ch.items))
	}
	for _, it := range shown {
		pr := it.prep.Load() // packed or not: the summary is there
		if pr == nil {
			pr = c.prepare(it, true)
		}
		view := itemView{
			Title: pr.post.Title, Page: rel(pg.Root, postPath(it)), Image: pr.image,
			Author: pr.author.Name, Summary: pr.summary, Date: pg.date(c, it.post.Date),
		}
		if l := postLang(pr.post.Lang); l != pg.Lang {
			view.Lang = l
		}
		pg.Items = append(pg.Items, view)
	}
	buf := in.get(4096 + len(pg.Items)*512)
	if c.fastChannels {
		return htmlChars(appendChannelPage(buf, &pg)), nil
	}
	return executeInto(c.tmpl, "channel.html", pg, buf)
}

// renderPost makes the page of one item, from its prepared content. It
// depends on the item, the configuration and the items before and after it
// in time (older, newer: nil at either end). It makes it in a buffer from
// in.
func (c *renderer) renderPost(it *item, pr *prepared, older, newer *item, in bufs) ([]byte, error) {
	p := postPath(it)
	pb := c.postBase
	pb.Title = pr.post.Title + " · " + c.Title
	pg := postPage{pageBase: pb, Heading: pr.post.Title,
		PostLang: postLang(pr.post.Lang), Author: pr.author.Name, AuthorURL: pr.author.URL, Image: pr.image,
		Body: template.HTML(pr.content)}
	pg.Date = pg.date(c, it.post.Date)
	if pg.PostLang == "" {
		pg.PostLang = pg.Lang
	}
	if older != nil {
		pg.Older = &navLink{Href: rel(pg.Root, postPath(older)), Title: older.post.Title}
	}
	if newer != nil {
		pg.Newer = &navLink{Href: rel(pg.Root, postPath(newer)), Title: newer.post.Title}
	}
	if pr.summary != "" {
		pg.Description = pr.summary
	}
	if !it.post.Updated.Equal(it.post.Date) {
		d := pg.date(c, it.post.Updated)
		pg.Revised = &d
	}
	if pr.link != c.abs(p) {
		pg.Original = pr.link
	}
	for _, cat := range it.categories {
		if !c.hasTaxonomy(taxCategories) {
			break
		}
		dir := taxonomyList[taxCategories].dir + cat.slug + "/"
		pg.Categories = append(pg.Categories, categoryView{Name: cat.name, Page: rel(pg.Root, dir),
			Feed: rel(pg.Root, dir+formatList[0].file), FeedTitle: pg.T.feedOf(cat.name)})
	}
	if c.fastPosts {
		return htmlChars(appendPostPage(in.get(len(pr.content)+4096), &pg)), nil
	}
	return executeInto(c.tmpl, "post.html", pg, in.get(len(pr.content)+4096))
}

// makePostBase makes the base of every post's page, its frame included:
// they all stand at the same depth, /posts/<slug>/, and link to the feeds
// of all posts. Each page's is a copy with its title (renderPost).
func (c *renderer) makePostBase() (pageBase, error) {
	pb := c.base(postPath(&item{slug: "x"}), "")
	pb.Alternates = feedLinks(&channel{title: c.Title}, pb.Root)
	if err := pb.makeFrame(); err != nil {
		return pageBase{}, err
	}
	pb.Alternates = nil // in the frame: the pages of posts have none of their own
	return pb, nil
}
