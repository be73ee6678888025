// Package statetest is the end-to-end proof of the state service (package state): a
// three-node NATS cluster (R3) of separate processes, state instances in processes of their own
// in master/standby, and clients incrementing one counter through a cluster client while the
// master is killed, a NATS node is killed, the old master comes back and a master is frozen.
//
// A Proof runs the scenario on processes a caller starts: its tests start embedded NATS nodes
// (internal/peertest) and copies of the test binary as instances (HARP_STATETEST_INSTANCE, see
// instance_test.go); harp state proof starts harp broker and harp state serve processes. Either
// way the processes are sent SIGKILL, SIGSTOP and SIGCONT by PID, and the Report says whether
// every acknowledged increment was applied exactly once.
//
//	go test -run 'TestNoDataLoss|TestFailoverTime' -v ./internal/statetest
//	harp state proof
//
//	phase (share of the increments done)   fault
//	15%                                    SIGKILL of the master
//	35%                                    SIGKILL of the NATS node leading the bucket's stream
//	55%                                    the old master starts again, as a standby
//	70%                                    SIGSTOP of the master, a probe sent to it, SIGCONT
//	                                       one TTL after a new master answered
package statetest
