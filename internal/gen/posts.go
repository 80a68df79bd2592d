package gen

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"feedpub/loader"
)

// Posts makes n posts in memory, for tests and benchmarks, with seed-sized
// HTML bodies (about 8 KB of Chinese and English text), an hour apart,
// newest first, in two categories.
func Posts(n int) []*loader.Post {
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

// Weekdays makes weeks of a market-news category (市场) in memory, for
// tests of poll hints: on weekdays only, from 09:00 to 18:00 in zone, one
// post every 90 minutes; newest first.
func Weekdays(weeks int, zone *time.Location) []*loader.Post {
	var posts []*loader.Post
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, zone) // a Monday
	for day := range weeks * 7 {
		d := start.AddDate(0, 0, day)
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		for m := 9 * 60; m <= 18*60; m += 90 {
			at := d.Add(time.Duration(m) * time.Minute)
			posts = append(posts, &loader.Post{Path: fmt.Sprintf("m/%s.md", at.Format("20060102-1504")),
				Title: "行情 " + at.Format(time.DateTime), Date: at, Updated: at, Categories: []string{"市场"},
				Body: "<p>沪深两市收盘。</p>", Sum: at.Format(time.RFC3339)})
		}
	}
	slices.Reverse(posts)
	return posts
}
