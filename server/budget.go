package server

import (
	"io"

	membudget "github.com/harp-rpc/harp/internal/budget"
)

// The server's memory budget (Config.MemoryBudget) and its per-peer accounting (Config.PeerShare,
// MaxBodies, MaxConns) are internal/budget's, which the gateway shares: the names below are the
// server's words for them.
type (
	budget      = membudget.Budget
	reservation = membudget.Reservation
	peer        = membudget.Peer
	peers       = membudget.Peers
)

// decodeFactor is what a request's decoded values are reckoned to cost, as a multiple of its body
// (see membudget.DecodeFactor).
const decodeFactor = membudget.DecodeFactor

func newBudget(limit int64, peerShare float64) *budget { return membudget.New(limit, peerShare) }

// newPeers returns the table of the connections' peers with the limits c derives: MaxConns and
// MaxBodies in all, PeerShare of each per peer.
func newPeers(c *Config) *peers {
	return membudget.NewPeers(membudget.Share(c.MaxConns, c.MaxBodies, c.PeerShare))
}

// readLimited reads src into buf within max bytes and res's share of the budget (see
// membudget.ReadLimited), its refusals as the server's answers.
func readLimited(src io.Reader, buf []byte, max, hint int64, res *reservation) ([]byte, error) {
	buf, err := membudget.ReadLimited(src, buf, max, hint, res)
	switch err {
	case membudget.ErrTooLarge:
		err = errTooLarge
	case membudget.ErrFull:
		err = errBudgetFull
	case membudget.ErrOver:
		err = errOverBudget
	}
	return buf, err
}
