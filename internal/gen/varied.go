package gen

import (
	"fmt"
	"strings"
	"time"

	"feedpub/loader"
)

// Varied makes n posts in memory, for tests of what is made in reused
// buffers: bodies from a few hundred bytes to about 40 KB, no two
// neighbours alike in size, so that each page and feed is longer or
// shorter than the one made before it; in one to three of cats
// categories; an hour apart, newest first.
func Varied(n, cats int) []*loader.Post {
	para := "<p>江南城市商业银行发布绿色信贷计划。Engineers said the <a href=\"https://example.com/x\">release</a> cuts start time.</p>\n"
	t0 := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	posts := make([]*loader.Post, n)
	for i := range posts {
		d := t0.Add(-time.Duration(i) * time.Hour)
		var c []string
		for k := range 1 + i%3 {
			c = append(c, fmt.Sprintf("分类%d", (i+k*7)%max(cats, 1)))
		}
		posts[i] = &loader.Post{
			Path: fmt.Sprintf("v/%05d.html", i), Title: fmt.Sprintf("第%d期 %s", i, strings.Repeat("长", i%17)),
			Date: d, Updated: d, Categories: c, Author: loader.Author{Name: "江南财经观察"},
			Body: fmt.Sprintf("<div id=\"p%d\">\n", i) + strings.Repeat(para, 1+(i*37)%331) + "</div>",
			Sum:  fmt.Sprint("v", i),
		}
	}
	return posts
}
