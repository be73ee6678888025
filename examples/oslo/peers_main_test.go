package main

import (
	"testing"

	"github.com/harp-rpc/harp/internal/peertest"
)

// TestMain ends the run with a line naming the peers whose tests were skipped (see peertest.Main).
func TestMain(m *testing.M) { peertest.Main(m) }
