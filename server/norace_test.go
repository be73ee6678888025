//go:build !race

package server_test

// raceSlowdown scales time budgets under the race detector; 1 without it.
const raceSlowdown = 1

// raceMemory scales memory budgets under the race detector, whose shadow memory multiplies what
// the process holds.
const raceMemory = 1
