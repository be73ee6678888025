//go:build race

package gateway_test

// raceEnabled reports a -race build, under which the gateway runs several times slower: the
// timing-bound load tests then skip.
const raceEnabled = true
