//go:build race

package server_test

// raceSlowdown scales time budgets under the race detector, which slows byte-heavy work several
// times over (streaming 16 MiB into a refused body took 3.2 s under -race with the two cores
// shared by other test binaries). The one-second budgets themselves hold in runs without -race.
const raceSlowdown = 5

// raceMemory scales memory budgets under the race detector, whose shadow memory multiplies what
// the process holds.
const raceMemory = 3
