package feed

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

// Templates in Config.Templates take the place of the embedded ones of
// the same name; a wrong one is an error from NewBuilder that names its
// file and line.
func TestTemplatesOverride(t *testing.T) {
	post := string(mustRead("templates/post.html"))
	custom := strings.Replace(post, "{{template \"foot\" .}}", "<p class=\"custom\">custom foot</p>\n{{template \"foot\" .}}", 1)
	if custom == post {
		t.Fatal("post.html has no foot to add to: fix the test")
	}
	want, res := buildTestdata(t)
	cfg := goldenConfig()
	cfg.Templates = fstest.MapFS{"post.html": {Data: []byte(custom)}}
	b, err := NewBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	site, err := b.Build(res.Posts, goldenNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range want.Paths() {
		got, w := fileAt(t, site, p).Body, fileAt(t, want, p).Body
		if isPost := KindOf(p) == KindPost; isPost != bytes.Contains(got, []byte("custom foot")) || !isPost && !bytes.Equal(got, w) {
			t.Errorf("%s: got %d bytes (custom foot: %v), want the embedded template's page, or the post's with the custom foot", p, len(got), bytes.Contains(got, []byte("custom foot")))
		}
	}

	for _, tc := range []struct{ name, file, body, want string }{
		{"parse", "post.html", "<p>\n{{.Heading</p>", "post.html:2"},
		{"execute", "channel.html", "<p>\n\n{{.Nope}}</p>", "channel.html:3"},
		{"define", "index.html", `{{define "feed-entry"}}{{.Nope}}{{end}}`, "index.html:1"},
		{"unknown", "postt.html", "<p></p>", "postt.html: not one of the pages' templates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := goldenConfig()
			cfg.Templates = fstest.MapFS{tc.file: {Data: []byte(tc.body)}}
			_, err := NewBuilder(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
