package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A file name with a newline cannot forge a line of check's or build's
// output, and one with an escape sequence cannot colour the terminal:
// each problem is one line, its name quoted.
func TestProblemNamesEscaped(t *testing.T) {
	seeds := t.TempDir()
	writeFiles(t, seeds, map[string]string{
		"good.txt":                        "---\ntitle: Good\ndate: 2024-01-20\n---\n<p>ok</p>",
		"x\nforged.md:1: all is well.txt": "---\ntitle: Bad\ndate: someday\n---\n<p>no</p>",
		"\x1b[31mred.txt":                 "---\ntitle: Bad\ndate: someday\n---\n<p>no</p>",
	})
	for _, cmd := range [][]string{{"check", "-seeds", seeds}, {"build", "-quiet", "-seeds", seeds, "-out", t.TempDir()}} {
		var out, errOut bytes.Buffer
		run(context.Background(), cmd, &out, &errOut)
		text := out.String() + errOut.String()
		if strings.ContainsRune(text, '\x1b') {
			t.Errorf("%s: an escape character reached the output:\n%q", cmd[0], text)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "forged.md") {
				t.Errorf("%s: a file name forged the line %q", cmd[0], line)
			}
		}
		if !strings.Contains(text, `"`+seeds+`/x\nforged.md:1: all is well.txt":3: date:`) {
			t.Errorf("%s: the problem of the file with a newline is not printed quoted:\n%s", cmd[0], text)
		}
	}
}
