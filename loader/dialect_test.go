package loader

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFrontMatterForms(t *testing.T) {
	tests := []struct {
		name, file, in string
		title          string
		cats           []string
		date           string // RFC 3339
		body           string // in the rendered body
	}{
		{"yaml", "a.md", "---\ntitle: A\ndate: 2024-01-02 03:04:05\n---\nbody", "A", nil, "2024-01-02T03:04:05+08:00", "<p>body</p>"},
		{"long fences", "a.md", "-----\ntitle: A\ndate: 2024-01-02\n-----\nbody", "A", nil, "2024-01-02T00:00:00+08:00", "body"},
		{"hexo without opening", "a.md", "title: 无开头\ndate: 2024/4/5 21:05:30\ncategories: [金融]\n---\n正文", "无开头", []string{"金融"}, "2024-04-05T21:05:30+08:00", "正文"},
		{"hexo json", "a.md", ";;;\n\"title\": \"J\",\n\"date\": \"2024-02-10 08:00:00\",\n\"tags\": [\"x\"]\n;;;\nbody", "J", nil, "2024-02-10T08:00:00+08:00", "body"},
		{"hexo json without opening", "a.md", "\"title\": \"J\",\n\"date\": \"2024-02-10\"\n;;;\nbody", "J", nil, "2024-02-10T00:00:00+08:00", "body"},
		{"toml", "a.md", "+++\ntitle = \"T\"\ndate = 2024-03-08T14:30:00\ncategories = [\"茶\", \"田野\"]\n+++\nbody", "T", []string{"茶", "田野"}, "2024-03-08T14:30:00+08:00", "body"},
		{"toml offset", "a.md", "+++\ntitle = \"T\"\ndate = 2024-03-08T14:30:00Z\n+++\nbody", "T", nil, "2024-03-08T14:30:00Z", "body"},
		{"json object", "a.md", "{\n  \"title\": \"O\",\n  \"date\": \"2024-02-14\",\n  \"categories\": [\"Tools\"]\n}\n\nbody", "O", []string{"Tools"}, "2024-02-14T00:00:00+08:00", "<p>body</p>"},
		{"blank lines first", "a.md", "\n\n+++\ntitle = \"T\"\ndate = 2024-01-01\n+++\nbody", "T", nil, "2024-01-01T00:00:00+08:00", "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			post, _, err := Parse(tc.file, []byte(tc.in), Options{Location: shanghai})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if post.Title != tc.title {
				t.Errorf("title %q, want %q", post.Title, tc.title)
			}
			if !slices.Equal(post.Categories, tc.cats) {
				t.Errorf("categories %q, want %q", post.Categories, tc.cats)
			}
			if got := post.Date.Format(time.RFC3339); got != tc.date {
				t.Errorf("date %s, want %s", got, tc.date)
			}
			if !strings.Contains(post.Body, tc.body) {
				t.Errorf("body %q, want it to hold %q", post.Body, tc.body)
			}
		})
	}
}

func TestFrontMatterFormProblems(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"unclosed toml", "+++\ntitle = \"x\"\n", 1, "unclosed front matter: no +++ line"},
		{"bad toml", "+++\ntitle = \"x\"\ndate = = 3\n+++\n", 3, "malformed TOML front matter"},
		{"unclosed json", "{\n\"title\": \"x\",\n", 1, "unclosed front matter"},
		{"bad json", "{\n\"title\": \"x\",,\n}\n", 2, "malformed JSON front matter"},
		{"unclosed ;;;", ";;;\n\"title\": \"x\"\n", 1, "unclosed front matter: no ;;; line"},
		{"prose before a rule", "Some prose.\n\n---\n\nmore", 1, "no front matter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("p.md", []byte(tc.in), Options{})
			if err == nil {
				t.Fatal("accepted")
			}
			prob := err.(*Problem)
			if prob.Line != tc.line || !strings.Contains(prob.Msg, tc.msg) {
				t.Errorf("got %v, want line %d with %q", prob, tc.line, tc.msg)
			}
		})
	}
}

var (
	testHexoSite   = &Site{Dialect: Hexo, URL: "https://h.example/notes/", Permalink: ":year/:month/:day/:title/", Content: "source/_posts"}
	testHugoSite   = &Site{Dialect: Hugo, URL: "https://g.example/blog/", Permalinks: map[string]string{"posts": "/:year/:month/:slug/"}, Content: "content"}
	testJekyllSite = &Site{Dialect: Jekyll, URL: "https://j.example/log/", Permalink: "/:categories/:year/:month/:day/:title:output_ext", ExcerptSeparator: "\n\n"}
)

func TestDialectPosts(t *testing.T) {
	tests := []struct {
		name, file, in string
		site           *Site
		link, date     string
		title          string
		cats           []string
	}{
		{"hexo permalink", "source/_posts/sub/夜爬.md", "title: 夜爬\ndate: 2024/4/5 21:05:30\n---\nx", testHexoSite,
			"https://h.example/notes/2024/04/05/sub/夜爬/", "2024-04-05T21:05:30+08:00", "夜爬", nil},
		{"hexo zoned date: its UTC wall clock in the site's zone", "source/_posts/z.md", "---\ntitle: Z\ndate: 2024-05-01T06:00:00+02:00\n---\nx", testHexoSite,
			"https://h.example/notes/2024/05/01/z/", "2024-05-01T04:00:00+08:00", "Z", nil},
		{"hexo own permalink", "source/_posts/p.md", "---\ntitle: P\ndate: 2024-05-01\npermalink: special/p/\n---\nx", testHexoSite,
			"https://h.example/notes/special/p/", "2024-05-01T00:00:00+08:00", "P", nil},
		{"hugo section pattern, slug from title", "content/posts/x.md", "---\ntitle: A Page in JSON\ndate: 2024-02-14\n---\nx", testHugoSite,
			"https://g.example/blog/2024/02/a-page-in-json/", "2024-02-14T00:00:00+08:00", "A Page in JSON", nil},
		{"hugo default path, lowercased", "content/Notes/Hello World.md", "---\ntitle: H\ndate: 2024-02-14\n---\nx", testHugoSite,
			"https://g.example/blog/notes/hello-world/", "2024-02-14T00:00:00+08:00", "H", nil},
		{"hugo bundle", "content/notes/trip/index.md", "---\ntitle: T\ndate: 2024-02-14\n---\nx", testHugoSite,
			"https://g.example/blog/notes/trip/", "2024-02-14T00:00:00+08:00", "T", nil},
		{"hugo url", "content/posts/m.md", "---\ntitle: M\ndate: 2024-02-14\nurl: /special/here/\n---\nx", testHugoSite,
			"https://g.example/blog/special/here/", "2024-02-14T00:00:00+08:00", "M", nil},
		{"hugo publishDate stands for date", "content/about.md", "---\ntitle: A\npublishDate: 2024-02-14\n---\nx", testHugoSite,
			"https://g.example/blog/about/", "2024-02-14T00:00:00+08:00", "A", nil},
		{"jekyll date and slug from the name", "blog/_posts/2024-1-9-hello-harbour.md", "---\ncategories: News Tech\n---\nx", testJekyllSite,
			"https://j.example/log/blog/news/tech/2024/01/09/hello-harbour.html", "2024-01-09T00:00:00+08:00", "Hello Harbour", []string{"blog", "News", "Tech"}},
		{"jekyll front matter date and slug", "_posts/2024-02-01-潮汐表.md", "---\ntitle: 潮汐\ndate: 2024-02-01 08:00:00 +0900\ncategory: 潮汐 数据\nslug: tide\n---\nx", testJekyllSite,
			"https://j.example/log/潮汐 数据/2024/02/01/tide.html", "2024-02-01T08:00:00+09:00", "潮汐", []string{"潮汐 数据"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			post, _, err := Parse(tc.file, []byte(tc.in), Options{Location: shanghai, Site: tc.site})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if post.Link != tc.link {
				t.Errorf("link %q, want %q", post.Link, tc.link)
			}
			if got := post.Date.Format(time.RFC3339); got != tc.date {
				t.Errorf("date %s, want %s", got, tc.date)
			}
			if post.Title != tc.title {
				t.Errorf("title %q, want %q", post.Title, tc.title)
			}
			if !slices.Equal(post.Categories, tc.cats) {
				t.Errorf("categories %q, want %q", post.Categories, tc.cats)
			}
		})
	}
}

func TestHugoDueAndExpiry(t *testing.T) {
	in := "---\ntitle: x\ndate: 2024-01-01T00:00:00Z\npublishDate: 2024-03-01T00:00:00Z\nexpiryDate: 2024-06-01T00:00:00Z\n---\nx"
	post, _, err := Parse("content/posts/x.md", []byte(in), Options{Site: testHugoSite})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now  string
		want bool
	}{{"2024-02-01T00:00:00Z", false}, {"2024-03-01T00:00:00Z", true}, {"2024-05-31T23:59:59Z", true}, {"2024-06-01T00:00:00Z", false}} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		if got := post.Showing(now); got != tc.want {
			t.Errorf("Showing(%s) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

// templateLeft is template syntax left in a body outside code.
var templateLeft = regexp.MustCompile(`\{%|%\}|\{\{<|>\}\}|\{\{%|\{\{`)

func TestTemplateTags(t *testing.T) {
	tests := []struct {
		name, file, in string
		site           *Site
		want           []string // in the body
		not            []string
		summary        string
	}{
		{"hexo tag plugins", "source/_posts/a.md", "---\ntitle: a\ndate: 2024-01-01\n---\nIntro.\n<!-- more -->\n{% blockquote Rob Pike, Go Proverbs %}\nClear is better than clever.\n{% endblockquote %}\n\n{% codeblock main.go lang:go %}\nif a < b {}\n{% endcodeblock %}\n\n{% note info %}\n不是建议。\n{% endnote %}\n\n{% img right /images/j.png 200 100 \"A title\" %}\n\n{% raw %}{{ kept }}{% endraw %} and {% asset_img pic.jpg 山顶 %} {% youtube abc %}\n\n```\n{% raw %} in code\n```\n", testHexoSite,
			[]string{"<blockquote>", "<strong>Rob Pike</strong><cite>Go Proverbs</cite>", `<code class="language-go">if a &lt; b {}`, "不是建议。", `<img src="https://h.example/notes/images/j.png" class="right" width="200" height="100" title="A title">`, `<img src="https://h.example/notes/2024/01/01/a/pic.jpg" alt="山顶">`, "{% raw %} in code"},
			nil, "<p>Intro.</p>"},
		{"jekyll liquid", "_posts/2024-01-10-h.md", "---\ntitle: h\n---\nFirst paragraph.\n\n{% highlight ruby linenos %}\nputs 1\n{% endhighlight %}\n\n{% raw %}{{ page.title }}{% endraw %}, [next]({% post_url 2024-02-01-x %}) {% comment %}gone{% endcomment %}{{ site.baseurl }}/a {% include foot.html %}", testJekyllSite,
			[]string{`<code class="language-ruby">puts 1`, "{{ page.title }}", "/log/a"}, []string{"gone", "foot"}, "<p>First paragraph.</p>"},
		{"hugo shortcodes", "content/posts/f.md", "---\ntitle: f\ndate: 2024-01-01\n---\nBefore.\n<!--more-->\n{{< figure src=\"/i/r.jpg\" alt=\"Ridge\" caption=\"At dusk\" >}}\n\n{{< highlight go >}}\nx := 1\n{{< /highlight >}}\n\n{{% notice info %}}\nA *note*.\n{{% /notice %}}\n\nSee {{< ref \"other.md\" >}} and {{< youtube abc >}}.", testHugoSite,
			[]string{`<figure><img src="/i/r.jpg" alt="Ridge"><figcaption><p>At dusk</p></figcaption></figure>`, `<code class="language-go">x := 1`, "A <em>note</em>."}, []string{"notice", "youtube"}, "<p>Before.</p>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			post, _, err := Parse(tc.file, []byte(tc.in), Options{Location: shanghai, Site: tc.site})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(post.Body, w) {
					t.Errorf("body lacks %q:\n%s", w, post.Body)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(post.Body, n) {
					t.Errorf("body holds %q:\n%s", n, post.Body)
				}
			}
			outside := regexp.MustCompile(`(?s)<pre.*?</pre>|<code.*?</code>`).ReplaceAllString(post.Body, "")
			outside = strings.ReplaceAll(outside, "{{ page.title }}", "") // what {% raw %} keeps
			outside = strings.ReplaceAll(outside, "{{ kept }}", "")
			if m := templateLeft.FindString(outside); m != "" {
				t.Errorf("%q left outside code:\n%s", m, post.Body)
			}
			if strings.TrimSpace(post.Summary) != tc.summary {
				t.Errorf("summary %q, want %q", post.Summary, tc.summary)
			}
		})
	}
}

func TestSiteTakes(t *testing.T) {
	tests := []struct {
		site *Site
		rel  string
		dir  bool
		want bool
	}{
		{testHexoSite, "source", true, true},
		{testHexoSite, "source/_posts/a", true, true},
		{testHexoSite, "source/_drafts", true, false},
		{testHexoSite, "source/about/index.md", false, false},
		{testHexoSite, "source/_posts/a/b.md", false, true},
		{testHexoSite, "themes", true, false},
		{testHugoSite, "content/posts/_index.md", false, false},
		{testHugoSite, "content/posts/a.md", false, true},
		{testHugoSite, "layouts", true, false},
		{testJekyllSite, "_drafts", true, false},
		{testJekyllSite, "_site", true, false},
		{testJekyllSite, "blog/_posts", true, true},
		{testJekyllSite, "blog/_posts/2024-01-01-a.md", false, true},
		{testJekyllSite, "_posts/notes.md", false, false},
		{testJekyllSite, "index.md", false, false},
		{nil, "anything/at/all.md", false, true},
	}
	for _, tc := range tests {
		if got := tc.site.takes(tc.rel, tc.dir); got != tc.want {
			d := "?"
			if tc.site != nil {
				d = string(tc.site.Dialect)
			}
			t.Errorf("%s takes(%q, dir %v) = %v, want %v", d, tc.rel, tc.dir, got, tc.want)
		}
	}
}

func TestDetectSite(t *testing.T) {
	for _, tc := range []struct {
		dir     string
		dialect Dialect
		url     string
		tz      string
		perm    string
	}{
		{"../testdata/sites/hexo", Hexo, "https://hexo.example.org/notes/", "Asia/Shanghai", ":year/:month/:day/:title/"},
		{"../testdata/sites/hugo", Hugo, "https://hugo.example.org/blog/", "Asia/Shanghai", "posts=/:year/:month/:slug/"},
		{"../testdata/sites/jekyll", Jekyll, "https://jekyll.example.org/log/", "Asia/Shanghai", "/:categories/:year/:month/:day/:title/"},
	} {
		s, err := DetectSite(tc.dir)
		if err != nil || s == nil {
			t.Fatalf("%s: %v, %v", tc.dir, s, err)
		}
		if s.Dialect != tc.dialect || s.URL != tc.url || s.TimeZone != tc.tz || s.permalinkText() != tc.perm || s.Title == "" || s.Author == "" {
			t.Errorf("%s: got %s", tc.dir, s)
		}
	}
	if s, err := DetectSite("testdata"); s != nil || err != nil {
		t.Errorf("a plain folder: got %v, %v", s, err)
	}
}
