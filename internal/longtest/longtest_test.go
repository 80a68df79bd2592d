package longtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The Makefile's LONG_TESTS names exactly the tests that call Mark: make
// test skips them and make test-long runs only them, so each runs once.
func TestLongTestsListed(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LONG_TESTS\s*=\s*(.+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile: no LONG_TESTS line")
	}
	listed := strings.Split(strings.TrimSpace(string(m[1])), "|")
	slices.Sort(listed)
	var calling []string
	fset := token.NewFileSet()
	err = filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Mark" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "longtest" {
						calling = append(calling, fn.Name.Name)
						return false
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(calling)
	calling = slices.Compact(calling)
	if !slices.Equal(listed, calling) {
		t.Errorf("Makefile LONG_TESTS = %q, want the tests that call longtest.Mark: %q", listed, calling)
	}
}
