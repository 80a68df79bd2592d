package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FEEDPUB_TRACE makes a run write an execution trace that go tool trace
// reads: its file starts with the trace header.
func TestTraceEnv(t *testing.T) {
	name := filepath.Join(t.TempDir(), "run.trace")
	t.Setenv("FEEDPUB_TRACE", name)
	stop, err := startTrace()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	stop()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("go 1.")) || !bytes.Contains(data[:16], []byte(" trace\x00")) {
		t.Fatalf("FEEDPUB_TRACE wrote %d bytes starting %q: not an execution trace", len(data), data[:min(16, len(data))])
	}

	t.Setenv("FEEDPUB_TRACE", filepath.Join(t.TempDir(), "missing", "run.trace"))
	if _, err := startTrace(); err == nil {
		t.Fatal("a trace file that cannot be made: no error")
	}
}
