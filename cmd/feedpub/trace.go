package main

import (
	"fmt"
	"os"
	"runtime/trace"
)

// startTrace starts an execution trace (runtime/trace) of the whole run
// into the file FEEDPUB_TRACE names, for `go tool trace`: where a run's
// cores sit idle. It returns the function that stops it; with no
// FEEDPUB_TRACE it does nothing.
func startTrace() (stop func(), err error) {
	name := os.Getenv("FEEDPUB_TRACE")
	if name == "" {
		return func() {}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("FEEDPUB_TRACE: %w", err)
	}
	if err := trace.Start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("FEEDPUB_TRACE: %w", err)
	}
	return func() { trace.Stop(); f.Close() }, nil
}
