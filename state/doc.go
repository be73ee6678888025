// Package state is harp's shared-state service: a key-value store served over XML-RPC and
// JSON-RPC (the seed's shared-dict server, Python's SyncManager dict), kept in a NATS JetStream
// KV bucket, with master/standby instances, fenced writes and idempotency keys.
//
// A Service registers its methods on an rpc.Registry, so any harp server (HTTP, a broker
// topic) serves them. Python needs nothing but xmlrpc.client:
//
//	s = xmlrpc.client.ServerProxy("http://127.0.0.1:8700/RPC2", allow_none=True)
//	s.set("greeting", "hello")
//	s.incr("hits", 1, {"id": str(uuid.uuid4())})
//
//	method                            answers
//	get(key[, default])               the value; the default, or fault -32020, when missing
//	entry(key)                        {exists, value, revision}
//	set(key, value[, {id, ttl}])      the new revision
//	delete(key[, {id}])               whether the key existed
//	incr(key[, delta[, {id, ttl}]])   the new integer value (a missing key counts as 0)
//	cas(key, revision, value[, opts]) the new revision; fault -32021 when the revision moved
//	keys([prefix])                    the keys beginning with prefix, sorted
//
// Values are any XML-RPC value (stored as their XML-RPC encoding, so a dateTime stays a
// dateTime and base64 stays bytes). Keys are dot-separated tokens of letters, digits and
// _ - = /. A ttl (seconds) makes the written key expire; the store removes it.
//
// # Writes
//
// Only the master serves; a standby answers election.CodeNotMaster (-32010), which a cluster
// client built with election.MasterFactory reads as not sent and retries on the master. The
// master's single writer groups the waiting writes (group commit, Config.MaxBatch) and commits
// each group as one JetStream atomic batch holding
//
//   - a fence record that expects the election's term key to be at the term's fencing token,
//     so the batch is refused whole once a newer master's term began (a frozen or cut-off
//     master cannot write);
//   - one data message per written key that expects the key's revision as read (so a run of
//     incr on a hot key is one compare-and-set of the final value);
//   - one record per idempotency key, that expects the key to be unused and expires after
//     Config.IdempotencyTTL: a retry of an incr or set with the same id, on this master or the
//     next, finds the record and gets the first answer without applying anything, and a late
//     copy of a batch that timed out is refused by the same expectation.
//
// A write is acknowledged only after JetStream stored the batch (on a majority with R3). A
// write the store did not confirm in time is answered with CodeUncertain (-32023): it may have
// been applied, and a retry with the same id is applied at most once. CodeRetry (-32024) and
// CodeNotMaster say nothing was applied.
//
//	Config field     default      meaning
//	Bucket           harp_state   the KV bucket (data, idempotency records, election)
//	Replicas         1            3 on a three-node NATS cluster
//	Group, ID        state, ""    election group and instance id ("" picks one)
//	Beat, TTL        1s, 3s       lease renewal and lease life
//	OpTimeout        2s           each store operation
//	IdempotencyTTL   10m          how long an idempotency key is remembered
//	MaxKeyLen        256          bytes of a key
//	MaxValueSize     256 KiB      one encoded value
//	MaxKeys          10,000       keys one keys call answers
//	MaxTTL           720h         a key's TTL
//	MaxBatch         128          writes per atomic batch
//	MaxQueue         4,096        writes waiting; more are refused with CodeRetry
//
// # Proof
//
// internal/statetest's TestNoDataLoss runs the scenario on three NATS processes (R3)
// and three state instances in processes of their own: 16 clients, 20,000 incr with their own
// ids through a cluster client following the registry's master, while the master is SIGKILLed,
// the stream leader's NATS node is SIGKILLed, the old master comes back and a master is frozen
// with SIGSTOP past its lease and woken. Measured here: 20,000 acknowledged, 48 retried after an
// uncertain attempt and applied once, none lost, none applied twice, the counter equal to the
// records, the woken master's probe refused by the store's fence; 20.4 s in all (979/s with the
// three faults). TestFailoverTime: from SIGKILL of the master to the first call answered by the
// new one, 2.72 s mean of three kills with the defaults (1 s beat, 3 s TTL), 0.90 s with a
// 250 ms beat and 1 s TTL (the lease was renewed up to a beat before the kill). SIGKILL of
// the NATS node leading the bucket's stream costs more, 5 to 17 s here: nats-server elects the
// stream's new leader after a Raft election timeout of 4 to 9 s (its defaults), the 3 s lease
// expires meanwhile, and a standby usually takes over once the store answers again. Nothing is
// lost or applied twice across it; the writes in flight are answered uncertain and their
// retries with the same id find their records. harp state proof runs the same scenario on
// harp broker and harp state serve processes.
//
// # Scale
//
// Measured on this project's 2-core machine, shared with other builds (load average 4.5 to 10;
// the ranges are the quieter and the busier run), so take the figures as floors. Command:
// go test -run XXX -bench 'Heartbeat|WatcherLoad|Incr|Commit|Last|Publish' ./registry ./state
// ./internal/statetest
//
//	benchmark                                   one node (R1)            three nodes (R3)
//	registry heartbeat, 32 senders (Heartbeat)   14-86 us: 12-74k/s       51-69 us: 14-20k/s
//	watcher start on 10,000 entries              0.06-0.31 s
//	incr with ids, 16 clients (Incr, IncrR3)     0.52-2.8 ms: 0.35-1.9k/s 0.24-0.44 ms: 2.3-4.1k/s
//	incr with ids, 64 clients                    0.17-2.3 ms: 0.44-5.9k/s
//	atomic batch of 1 message (Commit)           3.2-10.8 ms              (staged in memory)
//	plain JetStream publish (Publish)            21-26 us
//	leader read of a key (Last)                  57-172 us
//
// A single node stages each atomic batch in a synced file store of its own (3 to 11 ms a batch
// here), so its write rate is a hundred or a few hundred batches a second times the writes per
// batch: group commit (8 writes a batch with 16 clients, 32 with 64, up to MaxBatch) is what
// makes it usable, and it grows with the clients. A replicated bucket stages batches in memory (the Raft log is
// the durable copy) and commits several thousand writes a second.
//
// What one NATS cluster holds. Every registry entry is one write per Beat, and every watcher of
// its service receives it: the store's load is entries/Beat writes a second (10,000 entries at
// the 1 s default are 10,000 writes a second, within the 14-20k/s measured here on R3 but with
// little headroom), and the fan-out is entries/Beat times watchers messages a second. A bucket
// is one stream with one leader, so its writes do not spread over the cluster's nodes. It stops being
// comfortable near 5,000 entries per bucket at a 1 s beat on hardware like this, or 25,000 at a
// 5 s beat and 15 s TTL (slower failure detection by the TTL, while the cluster's own failure
// detection still takes a dead server out within a second).
//
// By simulation (TestSimulatedFleet in package registry: real announcers with the default 1 s
// beat and 3 s TTL, one embedded node, a watcher counting false expiries over 10 s; 2026-12-02,
// the machine's other core busy with a CI run):
//
//	HARP_SIMULATE_FLEET=1000,5000,10000,20000,40000 go test -run TestSimulatedFleet -v ./registry
//
//	instances   all seen after   false expiries   heartbeat errors   process CPU (node + announcers)
//	1,000       0.37 s           0                0                  7% of one core
//	5,000       0.51 s           0                0                  29%
//	10,000      1.04 s           0                0                  54%
//	20,000      1.68 s           0                0                  98%
//	40,000      -                -                announcements time out (2 s): the node is saturated
//
// So one node holds about 20,000 instances at the default beat, on a whole core of this machine
// (the announcers' own work included), and stops between 20,000 and 40,000.
//
// Beyond that, split. Per region: one NATS cluster each, with its own registry and state
// buckets, so heartbeats, elections and writes stay local and a region's outage is its own.
// Across regions: leaf nodes (or a super-cluster's gateways) join the regions' accounts, and a
// read-only global view is a bucket that sources the regional registries (JetStream KV sources
// and mirrors) rather than one bucket every server beats into. State that outgrows one bucket's
// leader is sharded by key prefix into several buckets, each with its own stream leader on a
// different node and its own master group, and a consistent_hash cluster policy routes a key to
// its shard.
package state
