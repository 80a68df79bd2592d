// Package feedtest holds what the tests of several packages share: a small
// site's posts, a generator of many posts, one way to start a server, and
// the table of posts the loader must reject. It imports neither feed nor
// any package that does, so feed's own tests can use it.
package feedtest

import (
	"fmt"
	"strings"
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

// ManyPosts makes n posts with seed-sized HTML bodies (about 8 KB of
// Chinese and English text), an hour apart, newest first, in two
// categories: the one generator of posts in memory.
func ManyPosts(n int) []*loader.Post {
	para := "<p>江南城市商业银行对外发布绿色信贷专项计划，重点支持<strong>分布式光伏</strong>和工业节能改造项目。" +
		`Engineers said the <a href="https://example.com/x">new release</a> cuts cold start time in half.</p>` + "\n"
	body := "<div>\n" + strings.Repeat(para, 8<<10/len(para)+1) + "</div>"
	t0 := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	posts := make([]*loader.Post, n)
	for i := range posts {
		d := t0.Add(-time.Duration(i) * time.Hour)
		posts[i] = &loader.Post{
			Path: fmt.Sprintf("2024/%04d.html", i), Title: fmt.Sprintf("第%d期：绿色信贷", i),
			Date: d, Updated: d, Categories: []string{"金融", "要闻"},
			Author: loader.Author{Name: "江南财经观察"}, Image: "https://picsum.photos/400/300",
			Body: body, Sum: fmt.Sprint(i),
		}
	}
	return posts
}

// Post makes a post at path with a title, in categories, dated on a fixed
// day.
func Post(path, title string, cats ...string) *loader.Post {
	d := time.Date(2024, 1, 20, 8, 0, 0, 0, time.UTC)
	return &loader.Post{Path: path, Title: title, Date: d, Updated: d, Categories: cats, Body: "<p>" + title + "</p>"}
}
