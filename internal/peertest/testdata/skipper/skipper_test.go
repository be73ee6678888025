// Package skipper is run by TestMainSummary: two of its tests skip for a missing peer.
package skipper

import (
	"testing"

	"github.com/harp-rpc/harp/internal/peertest"
)

func TestMain(m *testing.M) { peertest.Main(m) }

func TestAbsentCommand(t *testing.T) { peertest.Command(t, "harp-no-such-peer") }

func TestAbsentAgain(t *testing.T) { peertest.Command(t, "harp-no-such-peer") }

func TestPresent(t *testing.T) {}
