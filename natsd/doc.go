// Package natsd runs an embedded NATS server (github.com/nats-io/nats-server/v2) with
// JetStream inside the calling process, so that one harp binary is a complete broker with
// nothing installed: `harp broker`, the broker transports' tests and the registry's KV all
// start one with Start and stop it with Shutdown.
//
// The same code talks to a real NATS cluster at scale: a node started here with Routes joins
// other nodes (embedded or Debian's nats-server) as a cluster peer.
//
//	Config field     nats-server option         default
//	Host, Port       -a, -p                     127.0.0.1, 4222 (0: a free port)
//	StoreDir         -sd (JetStream store)      required when JetStream is on
//	JetStream        -js                        on
//	MaxPayload       max_payload                1 MiB
//	MaxConnections   max_connections            10,000
//	MaxMemoryStore   jetstream max_memory_store 256 MiB
//	MaxFileStore     jetstream max_file_store   1 GiB
//	ClusterName      cluster.name               "" (no cluster)
//	ClusterHost/Port cluster.listen             127.0.0.1, 0 (a free port, when clustered)
//	Routes           cluster.routes             none
//
// Limits are on by default. Logs go to Config.Logger (nil: nothing is logged).
package natsd
