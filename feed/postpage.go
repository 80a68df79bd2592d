package feed

import (
	"fmt"
	"html/template"
	"strings"
	"sync"
)

// The page of a post is the page made most often (one per post, where a
// feed's page is one per feed), and executing post.html through
// html/template costs more than everything else on it. With the embedded
// post.html and layout.html, appendPostPage writes the same bytes
// directly, escaping each value as html/template's contextual escaping
// does at its place (TestPostPageFast compares the two on random pages);
// templates of the user's that change either page go through
// html/template.

// postTemplates are the templates a post's page executes, and
// channelTemplates a feed's page: appendPostPage and appendChannelPage
// write their output, so they stand in for them only while they are the
// embedded ones.
var (
	postTemplates    = []string{"post.html", "head", "foot", "date"}
	channelTemplates = []string{"channel.html", "head", "foot", "date", "subscribe", "mediatype"}
)

// embeddedTrees is the parse tree of each of the embedded templates, as
// text, parsed again (pageTemplates' own may have been escaped by an
// execution since).
var embeddedTrees = sync.OnceValue(func() map[string]string {
	return treesOf(template.Must(template.ParseFS(templateFS, "templates/*.html")))
})

// treesOf is the parse tree of each template in t, as text, by name.
func treesOf(t *template.Template) map[string]string {
	out := map[string]string{}
	for _, d := range t.Templates() {
		if d.Tree != nil {
			out[d.Name()] = d.Tree.Root.String()
		}
	}
	return out
}

// asEmbedded reports whether the templates names of t are the embedded
// ones: t is the embedded set, or a set parsed over it (and not executed
// yet) in which they are unchanged.
func asEmbedded(t *template.Template, names []string) bool {
	if t == pageTemplates {
		return true
	}
	want, got := embeddedTrees(), treesOf(t)
	for _, n := range names {
		if got[n] == "" || got[n] != want[n] {
			return false
		}
	}
	return true
}

// appendPostPage appends the page pg as post.html makes it.
func appendPostPage(b []byte, pg *postPage) []byte {
	b = appendPageHead(b, &pg.pageBase)
	b = append(b, "\n<article lang=\""...)
	b = appendEscaped(b, pg.PostLang)
	b = append(b, "\">\n<h1>"...)
	b = appendEscaped(b, pg.Heading)
	b = append(b, "</h1>\n<p class=\"meta\">"...)
	b = appendDate(b, &pg.Date)
	if pg.Revised != nil {
		b = append(b, " · "...)
		b = appendEscaped(b, pg.T.Updated)
		b = append(b, ' ')
		b = appendDate(b, pg.Revised)
	}
	b = append(b, " · "...)
	if pg.AuthorURL != "" {
		b = appendLink(b, pg.AuthorURL, ` rel="author"`, pg.Author)
	} else {
		b = appendEscaped(b, pg.Author)
	}
	b = append(b, "</p>"...)
	if len(pg.Categories) > 0 {
		b = append(b, "\n<p class=\"categories\">"...)
		for i, c := range pg.Categories {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendLink(b, c.Page, ` class="category"`, c.Name)
			b = append(b, " <a href=\""...)
			b = appendURLAttr(b, c.Feed)
			b = append(b, "\" type=\"application/rss+xml\" class=\"feedlink\" title=\""...)
			b = appendEscaped(b, c.FeedTitle)
			b = append(b, "\">RSS</a>"...)
		}
		b = append(b, "</p>"...)
	}
	if pg.Image != "" {
		b = append(b, "\n<figure class=\"picture\"><img src=\""...)
		b = appendURLAttr(b, pg.Image)
		b = append(b, "\" alt=\"\"></figure>"...)
	}
	b = append(b, "\n<div class=\"body\">\n"...)
	b = append(b, pg.Body...)
	b = append(b, "\n</div>"...)
	if pg.Original != "" {
		b = append(b, "\n<p class=\"original\">"...)
		b = appendLink(b, pg.Original, "", pg.T.Original)
		b = append(b, "</p>"...)
	}
	b = append(b, "\n</article>"...)
	b = appendPostNav(b, pg)
	b = append(b, '\n')
	b = append(b, pg.Frame.Foot...)
	return append(b, '\n')
}

// appendPageHead appends layout.html's "head" of pb.
func appendPageHead(b []byte, pb *pageBase) []byte {
	b = append(b, "<!DOCTYPE html>\n<html lang=\""...)
	b = appendEscaped(b, pb.Lang)
	b = append(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'\">\n"+
		"<meta name=\"referrer\" content=\"no-referrer\">\n<title>"...)
	b = appendEscaped(b, pb.Title)
	b = append(b, "</title>"...)
	if pb.Description != "" {
		b = append(b, "\n<meta name=\"description\" content=\""...)
		b = appendEscaped(b, pb.Description)
		b = append(b, "\">"...)
	}
	b = append(b, "\n<meta name=\"generator\" content=\"feedpub\">\n<link rel=\"stylesheet\" href=\""...)
	b = appendURLAttr(b, pb.Root)
	b = append(b, "style.css\">"...)
	b = append(b, pb.Frame.Alternates...)
	b = append(b, "\n</head>\n<body>\n<header class=\"site\">"...)
	b = appendLink(b, pb.Home, "", pb.SiteTitle)
	return append(b, "</header>\n<main>\n"...)
}

// appendLink appends <a href="href"attrs>text</a>: href as a URL
// attribute, text escaped, attrs markup as it is (` rel="author"`, or "").
func appendLink(b []byte, href, attrs, text string) []byte {
	b = append(b, "<a href=\""...)
	b = appendURLAttr(b, href)
	b = append(b, '"')
	b = append(b, attrs...)
	b = append(b, '>')
	b = appendEscaped(b, text)
	return append(b, "</a>"...)
}

// appendPostNav appends the links of a post's page to its neighbours.
func appendPostNav(b []byte, pg *postPage) []byte {
	if pg.Older == nil && pg.Newer == nil {
		return b
	}
	b = append(b, "\n<nav class=\"postnav\" aria-label=\""...)
	b = appendEscaped(b, pg.T.PostNav)
	b = append(b, "\">"...)
	if pg.Older != nil {
		b = appendNavLink(b, pg.Older, "prev", "older", pg.T.Older)
	}
	if pg.Newer != nil {
		b = appendNavLink(b, pg.Newer, "next", "newer", pg.T.Newer)
	}
	return append(b, "\n</nav>"...)
}

// appendNavLink appends post.html's link to a neighbour l.
func appendNavLink(b []byte, l *navLink, rel, class, label string) []byte {
	b = append(b, "\n<a href=\""...)
	b = appendURLAttr(b, l.Href)
	b = append(b, "\" rel=\""+rel+"\" class=\""+class+"\"><span class=\"label\">"...)
	b = appendEscaped(b, label)
	b = append(b, "</span> "...)
	b = appendEscaped(b, l.Title)
	return append(b, "</a>"...)
}

// appendDate appends layout.html's "date" of d.
func appendDate(b []byte, d *pageDate) []byte {
	b = append(b, "<time datetime=\""...)
	b = appendEscaped(b, d.ISO)
	b = append(b, "\">"...)
	b = appendEscaped(b, d.Text)
	return append(b, "</time>"...)
}

// appendAttr appends s escaped as html/template escapes a string in text,
// in RCDATA (<title>) and in a quoted attribute's value (its
// htmlReplacementTable): the same bytes in all three places.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		for i+8 <= len(s) && !escapedStops(word(s[i:i+8])) { // none of them escaped
			i += 8
		}
		if i == len(s) {
			break
		}
		var esc string
		switch s[i] {
		case 0:
			esc = "\uFFFD"
		case '"':
			esc = "&#34;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '+':
			esc = "&#43;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// appendURLAttr appends the URL s at the start of a quoted URL attribute
// (href, src) as html/template writes it there: filtered (a scheme other
// than http, https and mailto becomes #ZgotmplZ), normalised (what a URL
// cannot hold percent-encoded, valid escapes kept) and escaped.
func appendURLAttr(b []byte, s string) []byte {
	if !templateSafeURL(s) {
		return append(b, "#ZgotmplZ"...)
	}
	var n strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		}
		n.WriteString(s[last:i])
		fmt.Fprintf(&n, "%%%02x", c)
		last = i + 1
	}
	if last == 0 {
		return appendEscaped(b, s)
	}
	n.WriteString(s[last:])
	return appendEscaped(b, n.String())
}

// templateSafeURL is html/template's test of a URL's scheme (isSafeURL).
func templateSafeURL(s string) bool {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		return strings.EqualFold(protocol, "http") || strings.EqualFold(protocol, "https") || strings.EqualFold(protocol, "mailto")
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
