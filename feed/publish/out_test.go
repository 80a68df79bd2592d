package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOut(t *testing.T) {
	base := t.TempDir()
	seeds := filepath.Join(base, "site", "seeds")
	os.MkdirAll(seeds, 0o755)
	os.Symlink(seeds, filepath.Join(base, "seeds-link"))
	os.Symlink(filepath.Join(base, "site"), filepath.Join(base, "site-link"))
	tests := []struct {
		out  string
		want string // "" for accepted
	}{
		{filepath.Join(base, "public"), ""},
		{filepath.Join(base, "site", "public"), ""},
		{filepath.Join(base, "site", "seeds-public"), ""},
		{"", "empty"},
		{"  ", "empty"},
		{"/", "refusing"},
		{"/..", "refusing"},
		{"//", "refusing"},
		{seeds, "is the seed folder"},
		{seeds + "/", "is the seed folder"},
		{seeds + "/x/..", "is the seed folder"},
		{filepath.Join(base, "seeds-link"), "is the seed folder"},
		{filepath.Join(base, "site"), "contains the seed folder"},
		{filepath.Join(base, "site-link"), "contains the seed folder"},
		{base, "contains the seed folder"},
		{filepath.Join(seeds, "public"), "inside the seed folder"},
		{filepath.Join(base, "seeds-link", "public"), "inside the seed folder"},
	}
	for _, tc := range tests {
		t.Run(tc.out, func(t *testing.T) {
			err := CheckOut(seeds, tc.out)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want it accepted", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Relative paths are resolved from the working directory.
	t.Chdir(filepath.Join(base, "site"))
	for _, out := range []string{"seeds", "./seeds", "seeds/../seeds", ".", "..", "seeds/public"} {
		if err := CheckOut("seeds", out); err == nil {
			t.Errorf("CheckOut(seeds, %q): got nil, want a refusal", out)
		}
	}
	if err := CheckOut("seeds", "public"); err != nil {
		t.Errorf("CheckOut(seeds, public): got %v, want nil", err)
	}
}
