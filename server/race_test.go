//go:build race

package server_test

// raceSlowdown scales time budgets under the race detector, which slows byte-heavy work several
// times over.
const raceSlowdown = 3
