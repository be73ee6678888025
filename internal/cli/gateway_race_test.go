//go:build race

package cli

// gatewayRace reports a -race build, under which the gateway demo's 300 ms attempts are too
// tight.
const gatewayRace = true
