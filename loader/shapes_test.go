package loader

import "strings"

// hostileShapes are Markdown bodies of about n bytes whose reading by
// goldmark, unchecked, grows faster than their size (or did, in some
// version), with some that do not, for contrast.
func hostileShapes() map[string]func(n int) string {
	rep := func(s string) func(n int) string {
		return func(n int) string { return strings.Repeat(s, max(1, n/len(s))) }
	}
	lines := func(f func(i int) string) func(n int) string {
		return func(n int) string {
			var b strings.Builder
			for i := 0; b.Len() < n; i++ {
				b.WriteString(f(i))
			}
			return b.String()
		}
	}
	return map[string]func(n int) string{
		"link-open":     rep("[a]("),
		"image-open":    rep("![a]("),
		"link-open-lt":  rep("[a](<"),
		"link-lines":    rep("[a](\n"),
		"quote-deep":    func(n int) string { return strings.Repeat(">", n) + "a" },
		"list-deep":     func(n int) string { return strings.Repeat("- ", n/2) + "a" },
		"quote-list":    func(n int) string { return strings.Repeat("> - ", n/4) + "a" },
		"emphasis":      rep("*a"),
		"emphasis-mix":  rep("a**b_"),
		"emphasis-line": rep("*a\n"),
		"table-wide": func(n int) string {
			return strings.Repeat("|a", 500) + "\n" + strings.Repeat("|-", 500) + "\n" + rep("|x\n")(n)
		},
		"title-open":    rep("[a](b '\n"),
		"title-paren":   rep("[a](b (\n"),
		"refdefs":       func(n int) string { return rep("[a]: b\n")(n/2) + rep("[a]")(n/2) },
		"setext":        func(n int) string { return rep("a\n")(n) + "===\n" },
		"footnote":      rep("[^a"),
		"html-open":     rep("<a "),
		"html-comment":  rep("a <!-- b\n"),
		"html-attr":     rep("a <b c=\"\n"),
		"backticks":     lines(func(i int) string { return strings.Repeat("`", i%64+1) + "a" }),
		"nested-indent": lines(func(i int) string { return strings.Repeat("  ", i%200) + "- a\n" }),
		// Ordinary text, for contrast: these are accepted.
		"prose":       rep("Some *plain* text with a [link](https://example.com/a/b \"title\") and `code`.\n\n"),
		"link-list":   rep("[text](https://example.com/x \"t\") "),
		"bold-pairs":  rep("**a** "),
		"list-items":  rep("- item with *some* emphasis\n"),
		"table":       func(n int) string { return "| a | b | c |\n|---|:-:|--:|\n" + rep("| one | two | three |\n")(n) },
		"code":        func(n int) string { return "```c\n" + rep("int *p = *q * **r; /* [a]( */\n")(n) + "```\n" },
		"html-table":  func(n int) string { return "<table>\n" + rep("<tr><td>a</td><td>[b](</td></tr>\n")(n) + "</table>\n" },
		"chinese":     rep("上海科技论坛开幕，*金融*与科技新闻。\n"),
		"quote-lines": lines(func(i int) string { return strings.Repeat("> ", i%8+1) + "a\n" }),
	}
}
