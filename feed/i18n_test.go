package feed

import (
	"strings"
	"testing"
	"time"
)

// The pages speak the site's language: html lang, headings, counts and
// dates; a language the catalogue lacks gets English.
func TestPagesLanguage(t *testing.T) {
	tests := []struct {
		lang, htmlLang string
		want           []string // on /all/, /categories/ and a post's page
	}{
		{"", "zh-CN", []string{"<h1>全部文章</h1>", "3 篇文章", "更新于", "2024年3月4日 09:30", "<h1>分类</h1>", "下一篇", "上一篇"}},
		{"zh-CN", "zh-CN", []string{"<h1>全部文章</h1>", "本页是一个订阅源", ">分类</a>"}},
		{"zh-TW", "zh-TW", []string{"<h1>全部文章</h1>", "本頁是一個訂閱源", "<h1>分類</h1>", "更新於", "2024年3月4日 09:30"}},
		{"zh-HK", "zh-HK", []string{"<h1>分類</h1>", "本頁是一個訂閱源"}},
		{"en", "en", []string{"<h1>All posts</h1>", "3 posts", "1 post ·", "updated", "Mar 4, 2024, 9:30 AM", "<h1>Categories</h1>", ">Next</span>", ">Previous</span>"}},
		{"en-GB", "en-GB", []string{"<h1>All posts</h1>"}},
		{"ja", "ja", []string{"<h1>すべての記事</h1>", "3 件の記事", "最終更新", "2024年3月4日 09:30", "<h1>カテゴリー</h1>", "次の記事"}},
		{"fr", "en", []string{"<h1>All posts</h1>", "3 posts"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			cfg := Config{Title: "测试站", URL: "https://news.example.com/", Language: tc.lang, Location: time.FixedZone("CST", 8*3600)}
			site, err := Build(servePosts(), cfg, serveNow)
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, p := range []string{"/all/", "/categories/", "/categories/technology/", "/posts/rust/"} {
				body := string(fileAt(t, site, p).Body)
				if want := `<html lang="` + tc.htmlLang + `">`; !strings.Contains(body, want) {
					t.Errorf("%s: got no %s", p, want)
				}
				all.WriteString(body)
			}
			for _, w := range tc.want {
				if !strings.Contains(all.String(), w) {
					t.Errorf("got no %q", w)
				}
			}
			if tc.htmlLang != "zh-CN" && strings.Contains(all.String(), "全部文章") && !strings.HasPrefix(tc.lang, "zh") {
				t.Errorf("a %s site shows Chinese chrome", tc.lang)
			}
		})
	}
}

// A post's own lang is its article's, and its item's on lists when it is
// not the site's; a lang that is not a language tag is left out.
func TestPostLang(t *testing.T) {
	posts := servePosts()
	posts[1].Lang = "en-us"
	posts[2].Lang = "not a language!"
	site, err := Build(posts, Config{URL: "https://news.example.com/", Location: time.UTC}, serveNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want, dontWant string }{
		{"/posts/rust/", `<article lang="en-US">`, ""},
		{"/posts/sports/", `<article lang="zh-CN">`, "not a language"},
		{"/posts/bank/", `<article lang="zh-CN">`, ""},
		{"/all/", `<li class="item" lang="en-US">`, "not a language"},
	} {
		body := string(fileAt(t, site, tc.path).Body)
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: got no %s", tc.path, tc.want)
		}
		if tc.dontWant != "" && strings.Contains(body, tc.dontWant) {
			t.Errorf("%s: got %q", tc.path, tc.dontWant)
		}
	}
}

// /categories/, /tags/ and /authors/ list every term of their taxonomy
// with its count, newest date and feeds, and no other.
func TestCategoriesIndex(t *testing.T) {
	site := buildServeSite(t, servePosts())
	for tx := range taxonomyList {
		p := taxPath(tx)
		body := string(fileAt(t, site, p).Body)
		n := 0
		for _, ch := range site.channels[1:] {
			if ch.tax != tx {
				continue
			}
			n++
			for _, w := range []string{
				`<a href="` + rel("../", pagePath(ch)) + `">` + ch.name + `</a>`,
				chromeOf("zh-CN").posts(len(ch.items)),
				chromeOf("zh-CN").date(ch.updated, site.r.Location).Text,
				`href="` + rel("../", ch.dir+"rss.xml") + `"`,
			} {
				if !strings.Contains(body, w) {
					t.Errorf("%s: got no %q for %s", p, w, ch.name)
				}
			}
		}
		if got := strings.Count(body, `<li class="feed">`); got != n {
			t.Errorf("%s: got %d terms, want %d", p, got, n)
		}
		if tx == taxCategories && n != 4 || tx != taxCategories && n == 0 && !strings.Contains(body, "还没有") {
			t.Errorf("%s: %d terms, and no word of none", p, n)
		}
	}
}
