package main

import (
	"bytes"
	"compress/gzip"
	"io"
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

// FEEDPUB_CPUPROFILE makes a run write a CPU profile: a gzip'd protocol
// buffer, as go tool pprof reads it.
func TestCPUProfileEnv(t *testing.T) {
	name := filepath.Join(t.TempDir(), "cpu.prof")
	t.Setenv("FEEDPUB_CPUPROFILE", name)
	stop, err := startTrace()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	stop()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("FEEDPUB_CPUPROFILE wrote no gzip'd profile: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil || len(data) == 0 {
		t.Fatalf("FEEDPUB_CPUPROFILE's profile: %d bytes, %v", len(data), err)
	}

	t.Setenv("FEEDPUB_CPUPROFILE", filepath.Join(t.TempDir(), "missing", "cpu.prof"))
	if _, err := startTrace(); err == nil {
		t.Fatal("a profile file that cannot be made: no error")
	}
}
