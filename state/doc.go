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
package state
