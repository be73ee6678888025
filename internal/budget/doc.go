// Package budget is the memory budget and the per-peer accounting that harp's HTTP front ends
// (server.Server and gateway.Gateway) share, so that a server and a gateway hold hostile clients
// off by the same rules.
//
// A Budget bounds the bytes a process holds for requests at once: request bodies being read,
// the values decoded from them and the answers being written. Each request reserves what it is
// about to hold through a Reservation, before it holds it; a reservation that does not fit is
// refused at once rather than waited for, so that the request is answered (503 with Retry-After,
// or 413 when it could never fit) and everyone else goes on being served. The last eighth of the
// budget is kept for small requests (SmallNeed), so that large ones filling it leave the usual
// small calls served.
//
// A Peers table counts, per remote IP address, the connections open, the bodies being read and
// the bytes of the budget held, so that one address holds no more than its share of each.
//
// ReadLimited reads a body into a buffer that grows with what arrives, never with what the
// request declares, each growth reserved first; Reclaim gives memory back to the operating
// system once a burst of large requests is over.
//
// The package is internal: server.Config (MemoryBudget, PeerShare, MaxBodies, MaxConns) and
// gateway.Limits (memory_budget, peer_share, max_bodies, max_conns_per_peer) are its public faces.
package budget
