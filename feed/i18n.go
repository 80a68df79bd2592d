package feed

import (
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The words of the pages for people (headings, counts, hints, dates)
// follow Config.Language, through a message catalogue keyed by the English
// text. A language the catalogue lacks gets English.

// pageLangs are the languages of the catalogue, in the matcher's order,
// with the way their readers write a date and time.
var pageLangs = []struct {
	tag    language.Tag
	layout string
	msgs   map[string]string // by English key; English has none
}{
	{language.SimplifiedChinese, "2006年1月2日 15:04", msgsZhHans},
	{language.TraditionalChinese, "2006年1月2日 15:04", msgsZhHant},
	{language.English, "Jan 2, 2006, 3:04 PM", nil},
	{language.Japanese, "2006年1月2日 15:04", msgsJa},
}

// Keys of the catalogue: the English text.
const (
	msgAllPosts    = "All posts"
	msgCategories  = "Categories"
	msgPosts       = "%d posts"
	msgUpdated     = "updated"
	msgFeedHint    = "This page is a feed. Subscribe in a feed reader:"
	msgIndexHint   = "Subscribe to any of these feeds in a feed reader: copy the link of a format your reader takes, or paste this page's address into it."
	msgOPMLHint    = "All feeds as OPML"
	msgNoPosts     = "No posts yet."
	msgMore        = "The feed holds the newest %d of %d posts."
	msgOriginal    = "Read it where it was first published"
	msgFeedOf      = "RSS feed of %s"
	msgOlder       = "Previous"
	msgNewer       = "Next"
	msgCatsHint    = "Every category, with its own feeds:"
	msgNoCats      = "No categories yet."
	msgTags        = "Tags"
	msgTagsHint    = "Every tag, with its own feeds:"
	msgNoTags      = "No tags yet."
	msgAuthors     = "Authors"
	msgAuthorsHint = "Every author, with their own feeds:"
	msgNoAuthors   = "No authors yet."
	msgBrief       = "The oldest %d of them as summaries only."
	msgSiteNav     = "Site"
	msgPostNav     = "More posts"
)

var msgsZhHans = map[string]string{
	msgAllPosts:    "全部文章",
	msgCategories:  "分类",
	msgPosts:       "%d 篇文章",
	msgUpdated:     "更新于",
	msgFeedHint:    "本页是一个订阅源，可在阅读器中订阅：",
	msgIndexHint:   "在阅读器中订阅以下任一订阅源：复制阅读器支持的格式的链接，或把本页地址粘贴到阅读器中。",
	msgOPMLHint:    "以 OPML 导出全部订阅源",
	msgNoPosts:     "还没有文章。",
	msgMore:        "订阅源收录最新的 %d 篇，共 %d 篇。",
	msgOriginal:    "阅读原文",
	msgFeedOf:      "RSS 订阅源：%s",
	msgOlder:       "上一篇",
	msgNewer:       "下一篇",
	msgCatsHint:    "全部分类，各有订阅源：",
	msgNoCats:      "还没有分类。",
	msgTags:        "标签",
	msgTagsHint:    "全部标签，各有订阅源：",
	msgNoTags:      "还没有标签。",
	msgAuthors:     "作者",
	msgAuthorsHint: "全部作者，各有订阅源：",
	msgNoAuthors:   "还没有作者。",
	msgBrief:       "其中最早的 %d 篇仅含摘要。",
	msgSiteNav:     "站点",
	msgPostNav:     "更多文章",
}

var msgsZhHant = map[string]string{
	msgAllPosts:    "全部文章",
	msgCategories:  "分類",
	msgPosts:       "%d 篇文章",
	msgUpdated:     "更新於",
	msgFeedHint:    "本頁是一個訂閱源，可在閱讀器中訂閱：",
	msgIndexHint:   "在閱讀器中訂閱以下任一訂閱源：複製閱讀器支援的格式的連結，或把本頁網址貼到閱讀器中。",
	msgOPMLHint:    "以 OPML 匯出全部訂閱源",
	msgNoPosts:     "還沒有文章。",
	msgMore:        "訂閱源收錄最新的 %d 篇，共 %d 篇。",
	msgOriginal:    "閱讀原文",
	msgFeedOf:      "RSS 訂閱源：%s",
	msgOlder:       "上一篇",
	msgNewer:       "下一篇",
	msgCatsHint:    "全部分類，各有訂閱源：",
	msgNoCats:      "還沒有分類。",
	msgTags:        "標籤",
	msgTagsHint:    "全部標籤，各有訂閱源：",
	msgNoTags:      "還沒有標籤。",
	msgAuthors:     "作者",
	msgAuthorsHint: "全部作者，各有訂閱源：",
	msgNoAuthors:   "還沒有作者。",
	msgBrief:       "其中最早的 %d 篇僅含摘要。",
	msgSiteNav:     "網站",
	msgPostNav:     "更多文章",
}

var msgsJa = map[string]string{
	msgAllPosts:    "すべての記事",
	msgCategories:  "カテゴリー",
	msgPosts:       "%d 件の記事",
	msgUpdated:     "最終更新",
	msgFeedHint:    "このページはフィードです。フィードリーダーで購読できます：",
	msgIndexHint:   "フィードリーダーでいずれかのフィードを購読してください。リーダーが対応する形式のリンクをコピーするか、このページのアドレスを貼り付けます。",
	msgOPMLHint:    "すべてのフィードを OPML で",
	msgNoPosts:     "まだ記事がありません。",
	msgMore:        "フィードには最新の %d 件を収録しています（全 %d 件）。",
	msgOriginal:    "元の記事を読む",
	msgFeedOf:      "RSS フィード：%s",
	msgOlder:       "前の記事",
	msgNewer:       "次の記事",
	msgCatsHint:    "すべてのカテゴリーとそのフィード：",
	msgNoCats:      "まだカテゴリーがありません。",
	msgTags:        "タグ",
	msgTagsHint:    "すべてのタグとそのフィード：",
	msgNoTags:      "まだタグがありません。",
	msgAuthors:     "著者",
	msgAuthorsHint: "すべての著者とそのフィード：",
	msgNoAuthors:   "まだ著者がいません。",
	msgBrief:       "うち古い %d 件は要約のみです。",
	msgSiteNav:     "サイト",
	msgPostNav:     "ほかの記事",
}

// chrome is the words of the pages in one language: labels for the
// templates, counts and dates for the code that fills them. Immutable.
type chrome struct {
	Lang string // the html lang attribute

	AllPosts, Categories, Updated, FeedHint, IndexHint, OPMLHint, NoPosts, Original string
	Older, Newer, CatsHint, NoCats, SiteNav, PostNav                                string

	p                *message.Printer
	layout           string
	feedOfA, feedOfB string // the words before and after a name in msgFeedOf
}

// chromes are the chrome of each language of pageLangs, made once.
var chromes, langMatcher = makeChromes()

func makeChromes() ([]*chrome, language.Matcher) {
	cat := catalog.NewBuilder(catalog.Fallback(language.English))
	tags := make([]language.Tag, len(pageLangs))
	for i, l := range pageLangs {
		tags[i] = l.tag
		for k, v := range l.msgs {
			if err := cat.SetString(l.tag, k, v); err != nil {
				panic(err)
			}
		}
	}
	err := cat.Set(language.English, msgPosts, plural.Selectf(1, "%d", "one", "%d post", "other", "%d posts"))
	if err != nil {
		panic(err)
	}
	out := make([]*chrome, len(pageLangs))
	for i, l := range pageLangs {
		p := message.NewPrinter(l.tag, message.Catalog(cat))
		out[i] = &chrome{Lang: l.tag.String(), p: p, layout: l.layout,
			AllPosts: p.Sprintf(msgAllPosts), Categories: p.Sprintf(msgCategories), Updated: p.Sprintf(msgUpdated),
			FeedHint: p.Sprintf(msgFeedHint), IndexHint: p.Sprintf(msgIndexHint), OPMLHint: p.Sprintf(msgOPMLHint),
			NoPosts: p.Sprintf(msgNoPosts), Original: p.Sprintf(msgOriginal), Older: p.Sprintf(msgOlder),
			Newer: p.Sprintf(msgNewer), CatsHint: p.Sprintf(msgCatsHint), NoCats: p.Sprintf(msgNoCats),
			SiteNav: p.Sprintf(msgSiteNav), PostNav: p.Sprintf(msgPostNav)}
		// Made per category on every post's page: split once, joined then.
		out[i].feedOfA, out[i].feedOfB, _ = strings.Cut(p.Sprintf(msgFeedOf, "\x00"), "\x00")
	}
	return out, language.NewMatcher(tags)
}

// chromeOf is the chrome for a site in language lang (BCP 47): the
// catalogue's nearest language (zh-HK and zh-TW take Traditional Chinese),
// English when it has none near. The html lang is lang itself when the
// catalogue speaks it.
func chromeOf(lang string) *chrome {
	tag, err := language.Parse(lang)
	if err != nil {
		return chromes[2]
	}
	_, i, conf := langMatcher.Match(tag)
	if conf == language.No {
		return chromes[2]
	}
	c := *chromes[i]
	c.Lang = tag.String()
	return &c
}

// posts is "n posts" in the chrome's language.
func (c *chrome) posts(n int) string { return c.p.Sprintf(msgPosts, n) }

// more says how many of a feed's posts its page shows.
func (c *chrome) more(shown, all int) string { return c.p.Sprintf(msgMore, shown, all) }

// feedOf is the title of the link to a category's RSS feed.
func (c *chrome) feedOf(name string) string { return c.feedOfA + name + c.feedOfB }

// date is t in loc, as readers of the chrome's language write it.
func (c *chrome) date(t time.Time, loc *time.Location) pageDate {
	t = t.In(loc)
	return pageDate{ISO: t.Format(time.RFC3339), Text: t.Format(c.layout)}
}

// postLang is the lang attribute for a post that says it is in lang:
// its canonical form, or "" when it is not a language tag (the page's
// holds then).
func postLang(lang string) string {
	if lang == "" {
		return ""
	}
	tag, err := language.Parse(lang)
	if err != nil {
		return ""
	}
	return tag.String()
}
