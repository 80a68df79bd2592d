package feed

import "testing"

func TestHexRefs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"<title>A &amp; B &lt;c&gt;</title>", "<title>A &#x26; B &#x3C;c&gt;</title>"},
		{"&#34;&amp;amp;&ampx", "&#34;&#x26;amp;&ampx"},
		{`<a href="x?a=1&amp;b=2">`, `<a href="x?a=1&#x26;b=2">`},
		{"&amp;<![CDATA[<p>a &amp; b</p>]]>&lt;", "&#x26;<![CDATA[<p>a &amp; b</p>]]>&#x3C;"},
		{"<![CDATA[]]]]><![CDATA[>&amp;]]>&amp;", "<![CDATA[]]]]><![CDATA[>&amp;]]>&#x26;"},
		{"&amp;<![CDATA[ unclosed &amp;", "&#x26;<![CDATA[ unclosed &amp;"},
	} {
		if got := string(hexRefs([]byte(tc.in))); got != tc.want {
			t.Errorf("hexRefs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
