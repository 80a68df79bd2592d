// Package longtest marks the long tests: skipped by make test (-short),
// run alone by make test-long. It imports nothing of feedpub, so every
// package's tests can use it.
package longtest

import "testing"

// Mark marks a test as long (thousands of files or connections, a real
// browser): it is skipped under -short, which make test sets, and run by
// make test-long, which runs only the tests whose names the Makefile's
// LONG_TESTS lists (TestLongTestsListed keeps the two in step), so that CI
// runs every test once.
func Mark(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip("long test (make test-long): " + why)
	}
}
