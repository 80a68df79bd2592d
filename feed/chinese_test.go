package feed

import (
	"strings"
	"testing"
)

func chinese(t *testing.T, name string) *Chinese {
	t.Helper()
	c, err := ChineseConversion(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Phrases OpenCC converts by context, not character by character: 发 is
// 發 or 髮, 后 is 後 or 后, 干 is 乾 or 幹; s2twp also takes Taiwan's
// words.
func TestChineseText(t *testing.T) {
	tests := []struct{ conv, in, want string }{
		{"s2t", "简体中文和繁体中文", "簡體中文和繁體中文"},
		{"s2t", "头发 发展 理发 出发", "頭髮 發展 理髮 出發"},
		{"s2t", "皇后 以后 干净 干部", "皇后 以後 乾淨 幹部"},
		{"s2t", "台湾大学", "臺灣大學"},
		{"s2tw", "台湾大学", "臺灣大學"},
		{"s2twp", "软件 内存 鼠标", "軟體 記憶體 滑鼠"},
		{"s2twp", "防范SQL注入", "防範SQL隱碼攻擊"}, // a phrase with Latin letters, not cut apart
		{"t2s", "繁體中文與簡體中文 頭髮 後來 乾燥", "繁体中文与简体中文 头发 后来 干燥"},
		{"s2t", "plain ASCII, 2024: & < >", "plain ASCII, 2024: & < >"},
		{"s2t", "上海2024年科技论坛,证券时报网", "上海2024年科技論壇,證券時報網"},
		{"t2s", "", ""},
	}
	for _, tc := range tests {
		if got := chinese(t, tc.conv).Text(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.conv, tc.in, got, tc.want)
		}
	}
}

// Only text between tags changes: attributes (links with raw CJK among
// them), comments, scripts and styles stay as they are.
func TestChineseHTML(t *testing.T) {
	c := chinese(t, "s2t")
	tests := []struct{ in, want string }{
		{`<p title="简体">简体</p>`, `<p title="简体">簡體</p>`},
		{`<a href="https://例子.cn/简体/?q=发">发展</a>`, `<a href="https://例子.cn/简体/?q=发">發展</a>`},
		{`<img alt='a > 简体' src="x.png">简体`, `<img alt='a > 简体' src="x.png">簡體`},
		{`<!-- 简体 -->简体`, `<!-- 简体 -->簡體`},
		{`<style>p{font-family:"微软雅黑"}</style>简体`, `<style>p{font-family:"微软雅黑"}</style>簡體`},
		{`<SCRIPT>var a="简体"</script>简体`, `<SCRIPT>var a="简体"</script>簡體`},
		{`1 < 2 简体 &amp; 发展`, `1 < 2 簡體 &amp; 發展`},
		{`<p>unclosed 简体`, `<p>unclosed 簡體`},
		{`简体<p`, `簡體<p`},
	}
	for _, tc := range tests {
		if got := c.HTML(tc.in); got != tc.want {
			t.Errorf("HTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestChineseConversionUnknown(t *testing.T) {
	for _, name := range []string{"", "S2T", "s2x", strings.Repeat("x", 500)} {
		_, err := ChineseConversion(name)
		if err == nil || !strings.HasPrefix(err.Error(), "opencc: want one of s2t, t2s") || len(err.Error()) > 300 {
			t.Errorf("ChineseConversion(%.20q): got %v, want an error naming s2t and t2s", name, err)
		}
	}
}

// BenchmarkChineseS2T prints how fast s2t converts the HTML of a post.
func BenchmarkChineseS2T(b *testing.B) {
	c, _ := ChineseConversion("s2t")
	s := strings.Repeat(`<p>上海科技论坛开幕，<a href="https://example.com/">证券时报网</a>报道：自然语言处理是人工智能领域中的一个重要方向。Some English text, 123.</p>`, 60)
	c.HTML(s) // the dictionaries loaded
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		c.HTML(s)
	}
}

// A converted page says what it now holds: its Chinese lang attributes
// take the conversion's tag; others stay.
func TestChineseLang(t *testing.T) {
	tests := []struct{ conv, in, want string }{
		{"s2t", "zh-CN", "zh-Hant"},
		{"s2t", "zh", "zh-Hant"},
		{"s2twp", "zh-cn", "zh-Hant-TW"},
		{"t2s", "zh-Hant-TW", "zh-Hans"},
		{"s2hk", "ZH_CN", "zh-Hant-HK"},
		{"s2t", "en", "en"},
		{"s2t", "zha", "zha"}, // Zhuang, not Chinese
		{"s2t", "", ""},
	}
	for _, tc := range tests {
		if got := chinese(t, tc.conv).Lang(tc.in); got != tc.want {
			t.Errorf("%s: Lang(%q) = %q, want %q", tc.conv, tc.in, got, tc.want)
		}
	}
	page := &File{Type: "text/html; charset=utf-8", Body: []byte(`<html lang="zh-CN"><li lang="en">English</li><article lang="zh-CN">简体</article></html>`)}
	want := `<html lang="zh-Hant"><li lang="en">English</li><article lang="zh-Hant">簡體</article></html>`
	if got := string(chinese(t, "s2t").ConvertPage(page).Body); got != want {
		t.Errorf("ConvertPage:\n%s\nwant\n%s", got, want)
	}
}
