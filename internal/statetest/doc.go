// Package statetest holds the end-to-end proofs of the state service (package state): a
// three-node NATS cluster (R3) of separate processes, state instances in processes of their own
// in master/standby, and clients incrementing one counter through a cluster client while the
// master is killed, a NATS node is killed, the old master comes back and a master is frozen.
// It has no API: everything is in its tests.
//
//	go test -run TestNoDataLoss -v ./internal/statetest
//
// Each state instance is a copy of the test binary started with HARP_STATETEST_INSTANCE set
// (see instance_test.go), so it can be sent SIGKILL, SIGSTOP and SIGCONT by its PID.
package statetest
