package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// recordRun runs feedpub version with the environment variable env naming
// a file, and returns what the run wrote there; a file that cannot be made
// must be an error.
func recordRun(t *testing.T, env string) []byte {
	t.Helper()
	name := filepath.Join(t.TempDir(), "run.out")
	t.Setenv(env, name)
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
	t.Setenv(env, filepath.Join(t.TempDir(), "missing", "run.out"))
	if _, err := startTrace(); err == nil {
		t.Fatalf("%s: a file that cannot be made: no error", env)
	}
	return data
}

// FEEDPUB_TRACE makes a run write an execution trace that go tool trace
// reads: its file starts with the trace header.
func TestTraceEnv(t *testing.T) {
	data := recordRun(t, "FEEDPUB_TRACE")
	if !bytes.HasPrefix(data, []byte("go 1.")) || !bytes.Contains(data[:16], []byte(" trace\x00")) {
		t.Fatalf("FEEDPUB_TRACE wrote %d bytes starting %q: not an execution trace", len(data), data[:min(16, len(data))])
	}
}

// FEEDPUB_CPUPROFILE makes a run write a CPU profile: a gzip'd protocol
// buffer, as go tool pprof reads it.
func TestCPUProfileEnv(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(recordRun(t, "FEEDPUB_CPUPROFILE")))
	if err != nil {
		t.Fatalf("FEEDPUB_CPUPROFILE wrote no gzip'd profile: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil || len(data) == 0 {
		t.Fatalf("FEEDPUB_CPUPROFILE's profile: %d bytes, %v", len(data), err)
	}
}
