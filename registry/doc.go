// Package registry announces harp servers in a NATS JetStream key-value bucket and follows them,
// so that clusters (and the gateway) track membership as servers join, change role and die.
//
// An instance announces itself with Announce: service name, URL, protocol, weight, zone,
// metadata and role, under the key "service.id". The Announcer renews the entry every
// Config.Beat with a per-key TTL of Config.TTL (defaults 1 s and 3 s); Close removes it at once,
// and the entry of an instance that stops renewing (killed, frozen, cut off) expires after the
// TTL, the bucket writing a marker that every watcher sees.
//
// A Watcher follows one service's entries from the store's own watch (no polling): it is a
// cluster.Resolver, and Follow pushes every change into a cluster with SetEndpoints, so a joining
// instance takes traffic as soon as its first announcement is stored (then ramps up through the
// cluster's slow start), and a dead one leaves at the first of the cluster's own failure
// detection and the TTL. A Filter (MasterOnly) routes to the master of a master/standby service.
//
//	Announcement field   cluster.Endpoint
//	URL                  URL
//	Weight               Weight
//	Zone                 Zone
//	Metadata             Metadata, plus "service", "id", "protocol", "role"
//	Role                 Metadata["role"]; MasterOnly keeps RoleMaster
//
//	Config field   default          meaning
//	Bucket         harp_registry    the KV bucket
//	Replicas       1                3 on a three-node NATS cluster
//	Beat           1s               time between heartbeats
//	TTL            3s               an entry's life without a heartbeat
//	OpTimeout      2s               each store operation
//	MaxEntrySize   16 KiB           one encoded announcement
//	MaxEntries     10,000           entries a watcher keeps per service
//
// # Scale
//
// See the package state's documentation for what one NATS cluster holds (registry entries,
// heartbeat and write rates measured here) and how a fleet beyond it is split.
package registry
