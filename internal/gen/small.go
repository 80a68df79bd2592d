package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Small writes n small posts into dir, for tests: Markdown, HTML and text
// files in 17 folders, two of ten categories each (among them 金融, 教育,
// ＡＩ and Open Source), dates 97 minutes apart from 2020, and titles
// ending in variant, so that two variants differ in every feed.
func Small(dir string, n int, variant string) error {
	cats := []string{"金融", "要闻", "科技", "Open Source", "体育", "文化", "国际", "ＡＩ", "健康", "教育"}
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("%02d", i%17))
		if i < 17 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return fmt.Errorf("gen: %w", err)
			}
		}
		d := time.Date(2020, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 97 * time.Minute)
		ext := []string{".md", ".html", ".txt"}[i%3]
		text := fmt.Sprintf("---\ntitle: 'Post %d %s'\ndate: %s\ncategories: [%s, %s]\nauthor: writer %d\n---\n\n## Heading %d\n\nSome text for post %d, <em>with</em> a [link](https://example.com/%d) and 中文内容。\n",
			i, variant, d.Format("2006-01-02 15:04:05"), cats[i%len(cats)], cats[(i/7)%len(cats)], i%5, i, i, i)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("post-%05d%s", i, ext)), []byte(text), 0o644); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
	}
	return nil
}
