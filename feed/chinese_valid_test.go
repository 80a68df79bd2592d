package feed_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"feedpub/feed"
	"feedpub/internal/validate"
)

var tags = regexp.MustCompile(`<[^>]*>`)

// zhLang is a lang attribute naming Chinese.
var zhLang = regexp.MustCompile(`\blang="zh(-[^"]*)?"`)

// Converted to Traditional Chinese, every feed of the seeds and of the
// hostile posts still passes the rules of its format and keeps its ids,
// and every page keeps its markup, tag for tag.
func TestChineseFeedsValid(t *testing.T) {
	s2t, err := feed.ChineseConversion("s2t")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corpora {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			site, err := feed.Build(loadPosts(t, c.dir), cfg, now)
			if err != nil {
				t.Fatal(err)
			}
			changed := 0
			for p, format := range feedFiles(site) {
				plain := made(t, site, p).Body
				conv, err := site.Filtered(p, feed.Query{Limit: cfg.Limit, Chinese: s2t, Key: "opencc=s2t"})
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if string(conv.Body) != string(plain) {
					changed++
				}
				opt := validate.Options{TTL: 60, Language: "zh-CN"}
				pf, _ := validate.Check(format, plain, validate.Options{})
				opt.SelfURL = validate.URL(cfg.URL, p) + "?opencc=s2t"
				cf, errs := validate.Check(format, conv.Body, opt)
				for _, err := range errs {
					t.Errorf("%s?opencc=s2t: %v", p, err)
				}
				if cf == nil || pf == nil {
					continue
				}
				if err := validate.SameIDs(pf, cf); err != nil {
					t.Errorf("%s?opencc=s2t: %v", p, err)
				}
			}
			if changed == 0 {
				t.Errorf("no feed changed: the corpus has no Simplified Chinese to test with")
			}
			for _, p := range site.Paths() {
				f := made(t, site, p)
				if !strings.HasPrefix(f.Type, "text/html") {
					continue
				}
				conv := s2t.ConvertPage(f)
				// The same tags, but for the lang of Chinese text (TestChineseLang).
				want := tags.FindAllString(zhLang.ReplaceAllString(string(f.Body), `lang="zh-Hant"`), -1)
				if got := tags.FindAllString(string(conv.Body), -1); !slices.Equal(got, want) {
					t.Errorf("%s: converted, its markup changed", p)
				}
			}
		})
	}
}
