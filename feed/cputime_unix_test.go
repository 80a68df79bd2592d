//go:build unix

package feed

import (
	"syscall"
	"time"
)

// cpuTime is the user and system CPU time this process has taken so far:
// what a benchmark on a machine shared with other work can compare.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
