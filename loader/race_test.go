//go:build race

package loader

// raceEnabled: the race detector slows code down many times over; timing
// bounds do not hold under it.
const raceEnabled = true
