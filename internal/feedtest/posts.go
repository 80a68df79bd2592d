// Package feedtest holds what the tests of several packages share: a small
// site's posts and the hostile names (the generators of many posts are in
// internal/gen, the table of posts that must be rejected in
// internal/feedtest/rejected). It imports neither feed nor any package that
// does, so feed's own tests can use it.
package feedtest

import (
	"time"

	"feedpub/loader"
)

// Now is the clock of tests built from Posts: after every post but the
// one dated in the future.
var Now = time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)

// Posts is a small site: CJK and Latin categories, a post with a link of
// its own, pictures, relative URLs and markup to sanitise, a draft and a
// post dated after Now.
func Posts() []*loader.Post {
	sh := time.FixedZone("CST", 8*3600)
	d := func(day int) time.Time { return time.Date(2024, 3, day, 9, 30, 0, 0, sh) }
	return []*loader.Post{
		{Path: "finance/bank.md", Title: "银行推出绿色信贷", Date: d(1), Updated: d(2), Categories: []string{"金融", "要闻"},
			Author: loader.Author{Name: "江南财经"}, Image: "https://img.example/bank.png",
			Body: `<p>首期规模<strong>50亿元</strong>。<a href="/about/">关于</a><script>alert(1)</script><img src="x.png" onerror="alert(2)"></p>`},
		{Path: "tech/rust.html", Title: "Rust in the kernel", Date: d(3), Updated: d(3), Categories: []string{"Technology"},
			Author: loader.Author{Name: "Ann", URL: "https://ann.example/"}, Link: "https://elsewhere.example/rust",
			Body: `<p>Memory safety <em>without</em> a collector.</p>`},
		{Path: "sports.txt", Title: "马拉松报名开启", Date: d(4), Updated: d(4), Categories: []string{"体育", "要闻"},
			Body: `<p>报名通道今日开启。</p>`},
		{Path: "draft.txt", Title: "Draft", Date: d(5), Updated: d(5), Draft: true, Categories: []string{"要闻"}, Body: "<p>x</p>"},
		{Path: "future.txt", Title: "Future", Date: d(28), Updated: d(28), Categories: []string{"要闻"}, Body: "<p>later</p>"},
	}
}

// Post makes a post at path with a title, in categories, dated on a fixed
// day.
func Post(path, title string, cats ...string) *loader.Post {
	d := time.Date(2024, 1, 20, 8, 0, 0, 0, time.UTC)
	return &loader.Post{Path: path, Title: title, Date: d, Updated: d, Categories: cats, Body: "<p>" + title + "</p>"}
}
