//go:build !race

package server_test

// raceSlowdown scales time budgets under the race detector; 1 without it.
const raceSlowdown = 1
