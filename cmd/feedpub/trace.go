package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startTrace starts an execution trace (runtime/trace) of the whole run
// into the file FEEDPUB_TRACE names, for `go tool trace`: where a run's
// cores sit idle; and a CPU profile (runtime/pprof) into the file
// FEEDPUB_CPUPROFILE names, for `go tool pprof`: what they do. It returns
// the function that stops both; with neither set it does nothing.
func startTrace() (stop func(), err error) {
	stopTrace, err := startOne("FEEDPUB_TRACE", trace.Start, trace.Stop)
	if err != nil {
		return nil, err
	}
	stopProfile, err := startOne("FEEDPUB_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	if err != nil {
		stopTrace()
		return nil, err
	}
	return func() { stopProfile(); stopTrace() }, nil
}

// startOne starts a recorder into the file the environment variable env
// names, if set, and returns what stops it and closes the file.
func startOne(env string, start func(w io.Writer) error, end func()) (stop func(), err error) {
	name := os.Getenv(env)
	if name == "" {
		return func() {}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", env, err)
	}
	return func() { end(); f.Close() }, nil
}
