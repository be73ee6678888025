//go:build !race

package cli

const gatewayRace = false
