package loader

import "testing"

// A problem printed for a terminal never carries a raw control character,
// escape sequence or bidirectional override, from the path or the message.
func TestProblemEscaped(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Path: "a/b.md", Line: 3, Msg: "no date"}, "a/b.md:3: no date"},
		{Problem{Path: "金融/要闻.md", Line: 1, Msg: "标题"}, "金融/要闻.md:1: 标题"},
		{Problem{Path: "x\nfake.md:1: forged.md", Line: 2, Msg: "m"}, `"x\nfake.md:1: forged.md":2: m`},
		{Problem{Path: "\x1b[31mred.md", Msg: "m", Warn: true}, `"\x1b[31mred.md": warning: m`},
		{Problem{Path: "a\u202egpj.md", Line: 1, Msg: "m"}, `"a\u202egpj.md":1: m`},
		{Problem{Path: "bad\xffbyte.md", Line: 1, Msg: "open /s/bad\xff\n: x"}, `"bad\xffbyte.md":1: open /s/bad\xff\n: x`},
		{Problem{Path: "a.md", Line: 1, Msg: "tab\there\x07"}, `a.md:1: tab\there\a`},
	} {
		if got := tc.p.Escaped(); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
