package feed

import (
	"bytes"
	"html/template"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
)

// appendPostPage writes what html/template makes of the embedded
// post.html, on pages of random values: every character html/template
// escapes, URLs with every scheme and escape, and each optional part
// present or not.
func TestPostPageFast(t *testing.T) {
	r, err := newRenderer(goldenConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !r.fastPosts {
		t.Fatal("the embedded templates do not take the fast path")
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		pg := randomPostPage(rnd, r)
		want, err := execute(pageTemplates, "post.html", pg)
		if err != nil {
			t.Fatal(err)
		}
		if got := htmlChars(appendPostPage(nil, &pg)); !bytes.Equal(got, want) {
			t.Fatalf("page %d: got\n%s\nwant\n%s", i, got, want)
		}
	}
}

// pieces are what random values are made of.
var pieces = []string{"a", "Z", "9", " ", "中文", "é", "\x00", "\"", "&", "'", "+", "<", ">", "%", "%41", "%zz", "%4",
	":", "/", "?", "#", "=", "(", ")", "\\", "\n", "\t", "\x7f", "\u0085", "\ufdd0", "\xff", "http:", "HTTPS:", "mailto:",
	"javascript:", "data:", "//example.com", "https://example.com/a b", "../", "~", "!", "*", "[", "]", "{{", "一二三四五六七八九十", "abcdefghijklmnop"}

func randomText(rnd *rand.Rand) string {
	var b strings.Builder
	for range rnd.IntN(6) {
		b.WriteString(pieces[rnd.IntN(len(pieces))])
	}
	return b.String()
}

func randomPostPage(rnd *rand.Rand, r *renderer) postPage {
	s := func() string { return randomText(rnd) }
	maybe := func(v string) string {
		if rnd.IntN(3) == 0 {
			return ""
		}
		return v
	}
	pb := r.baseIn(postPath(&item{slug: "x"}), s(), r.postFrame.t)
	pb.Frame, pb.Description, pb.SiteTitle, pb.Lang = r.postFrame, maybe(s()), s(), s()
	if rnd.IntN(4) == 0 {
		pb.Root, pb.Home = s(), s()
	}
	pg := postPage{pageBase: pb, Heading: s(), PostLang: s(), Author: s(), AuthorURL: maybe(s()), Image: maybe(s()),
		Original: maybe(s()), Date: pageDate{ISO: s(), Text: s()}, Body: template.HTML(s())}
	if rnd.IntN(2) == 0 {
		pg.Revised = &pageDate{ISO: s(), Text: s()}
	}
	for range rnd.IntN(3) {
		pg.Categories = append(pg.Categories, categoryView{Name: s(), Page: s(), Feed: s(), FeedTitle: s()})
	}
	if rnd.IntN(3) > 0 {
		pg.Older = &navLink{Href: s(), Title: s()}
	}
	if rnd.IntN(3) > 0 {
		pg.Newer = &navLink{Href: s(), Title: s()}
	}
	return pg
}

// appendChannelPage writes what html/template makes of the embedded
// channel.html, on pages of random values.
func TestChannelPageFast(t *testing.T) {
	r, err := newRenderer(goldenConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !r.fastChannels {
		t.Fatal("the embedded templates do not take the fast path")
	}
	rnd := rand.New(rand.NewPCG(7, 8))
	s := func() string { return randomText(rnd) }
	maybe := func() string {
		if rnd.IntN(3) == 0 {
			return ""
		}
		return s()
	}
	for i := range 2000 {
		pg := channelPage{pageBase: randomPostPage(rnd, r).pageBase, Heading: s(), Count: s(), More: maybe(),
			Updated: pageDate{ISO: s(), Text: s()}}
		for range rnd.IntN(4) {
			pg.Links = append(pg.Links, pageLink{Href: s(), Kind: []string{"rss", "atom", "json", s()}[rnd.IntN(4)], Label: s()})
		}
		for range rnd.IntN(4) {
			pg.Items = append(pg.Items, itemView{Title: s(), Page: s(), Image: maybe(), Author: maybe(), Summary: maybe(),
				Lang: maybe(), Date: pageDate{ISO: s(), Text: s()}})
		}
		want, err := execute(pageTemplates, "channel.html", pg)
		if err != nil {
			t.Fatal(err)
		}
		if got := htmlChars(appendChannelPage(nil, &pg)); !bytes.Equal(got, want) {
			t.Fatalf("page %d: got\n%s\nwant\n%s", i, got, want)
		}
	}
}

// Templates of the user's that change what a post's or a feed's page
// shows (post.html, channel.html, or any file redefining a template they
// use) turn their fast path off; others leave it on.
func TestFastPostsTemplates(t *testing.T) {
	layout := string(mustRead("templates/layout.html"))
	for _, tc := range []struct {
		name         string
		files        fstest.MapFS
		want         bool // fastPosts
		wantChannels bool
	}{
		{"none", nil, true, true},
		{"index", fstest.MapFS{"index.html": {Data: mustRead("templates/index.html")}}, true, true},
		{"layout as embedded", fstest.MapFS{"layout.html": {Data: []byte(layout)}}, true, true},
		{"post", fstest.MapFS{"post.html": {Data: []byte("<p>{{.Heading}}</p>")}}, false, true},
		{"channel", fstest.MapFS{"channel.html": {Data: []byte("<p>{{.Heading}}</p>")}}, true, false},
		{"layout", fstest.MapFS{"layout.html": {Data: []byte(strings.Replace(layout, "<main>", "<main id=m>", 1))}}, false, false},
		{"date redefined", fstest.MapFS{"index.html": {Data: []byte(`{{define "date"}}{{.Text}}{{end}}`)}}, false, false},
		{"mediatype redefined", fstest.MapFS{"post.html": {Data: append(mustRead("templates/post.html"), `{{define "mediatype"}}x{{end}}`...)}}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := goldenConfig()
			if tc.files != nil {
				cfg.Templates = tc.files
			}
			r, err := newRenderer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.fastPosts != tc.want {
				t.Errorf("fastPosts: got %v, want %v", r.fastPosts, tc.want)
			}
			if r.fastChannels != tc.wantChannels {
				t.Errorf("fastChannels: got %v, want %v", r.fastChannels, tc.wantChannels)
			}
		})
	}
}
