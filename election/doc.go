// Package election elects one master among the instances of a service, on a NATS JetStream
// key-value bucket, with fencing: a master that lost its lease cannot write, even if it does not
// know it yet.
//
// Each instance runs New for its group. The master holds a lease, the key
// "_election.group.lease" written with a per-key TTL (Config.TTL, default 3 s) and renewed every
// Config.Beat (1 s) with a compare-and-set on its revision. When the master stops renewing
// (killed, frozen, cut off), the store expires the lease and every standby, watching the key,
// tries to create it at once: one wins. Resign removes the lease, so a standby takes over as
// soon as it sees the removal (milliseconds), and the resigned instance waits one TTL before it
// campaigns again.
//
// # Fencing
//
// Each term begins with a write of the term key "_election.group.term"; its revision is the
// term's fencing token (Status.Token, Fence). A master's write carries its Fence: the store
// accepts it only while the term key's last revision is still the token
// (Nats-Expected-Last-Subject-Sequence with -Subject), so once a standby has started a newer
// term every write of the old one is refused with a *FencedError. Split brain is refused by the
// store, not merely made unlikely by timing: a master frozen with SIGSTOP past its lease that
// wakes up and writes is turned away. Put is one such fenced write; the state package's atomic
// batches carry the same check.
//
// # Routing to the master
//
// A standby's handlers answer with a *NotMasterError (fault code CodeNotMaster). A cluster client
// built with MasterFactory reads that fault as a *StandbyError, which reports NotSent: the
// cluster tries another endpoint, safely, since the standby applied nothing. With the
// registry's MasterOnly filter the cluster sends calls to the master alone, and the fault
// covers the moments when the registry and the election disagree.
//
//	Config field   default         meaning
//	Bucket         harp_election   the KV bucket; a fenced service keeps its data in the same one
//	Replicas       1               3 on a three-node NATS cluster
//	Beat           1s              renewal period, and a standby's retry period
//	TTL            3s              lease life without a renewal
//	OpTimeout      2s              each store operation
package election
