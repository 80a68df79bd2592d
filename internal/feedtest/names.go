package feedtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedpub/loader"
)

// HostileNames are category names, post paths and links that must never
// make a writer write outside its folder.
var HostileNames = []string{
	"../../x", "../../../../../../tmp/x", "..", ".", "/etc/passwd", "/abs/x", "a/b", "a\\..\\..\\b",
	"nul\x00byte", "\x00", strings.Repeat("长", 100), strings.Repeat("a", 300), strings.Repeat("../", 100) + "x",
	"%2e%2e%2fx", "..%2f..%2fx", "C:\\Windows\\x", "~/x", "-rf", ".feedpub-manifest", ".feedpub-tmp-1", "con", "rss.xml", "index.html",
	"\u202e\u2066x", "line\nbreak", "tab\there", "ＡＩ/../..", "..\u2215..\u2215x",
}

// SeedNames adds HostileNames and the categories, titles and file names
// of the seed folder at seeds to a fuzz corpus.
func SeedNames(f *testing.F, seeds string, add func(string)) {
	f.Helper()
	for _, n := range HostileNames {
		add(n)
	}
	err := filepath.WalkDir(seeds, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !loader.IsPostFile(d.Name()) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		add(d.Name())
		post, _, perr := loader.Parse(d.Name(), data, loader.Options{})
		if perr == nil {
			add(post.Title)
			for _, c := range post.Categories {
				add(c)
			}
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}
