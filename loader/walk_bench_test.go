package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWalk: the walk of a folder of 20,000 posts in 5 folders, what
// each build and full rescan pays before it reads any file. Set
// FEEDPUB_WALK_DIR to walk another folder.
func BenchmarkWalk(b *testing.B) {
	root := os.Getenv("FEEDPUB_WALK_DIR")
	if root == "" {
		root = b.TempDir()
		for i := range 20_000 {
			dir := filepath.Join(root, fmt.Sprint(2021+i%5))
			if i < 5 {
				os.Mkdir(dir, 0o755)
			}
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d_news.html", i)), []byte("---\ntitle: x\n---\n"), 0o644)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		w := walker{realRoot: root, visited: map[string]bool{}}
		w.walk(root, "")
		if len(w.files) == 0 {
			b.Fatal("no file found")
		}
	}
}
