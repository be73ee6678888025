// Package attack runs the hostile clients of issue 12 against a harp server on the loopback
// network, for tests and measurements, and watches the server process's memory.
//
// Every attacker loops until its context is done (and at most a million times), and only
// connects to loopback addresses (anything else is ErrNotLoopback):
//
//	kind  function     what each attacker does
//	1     ValueBombs   posts a gzip body of one array of many empty values (ValueBomb: 2,097,052
//	                   values are 15 MiB decompressed, 24 KiB sent) and reads the answer
//	2     SlowReaders  posts a gzip call of echo with a large string (EchoCall) over a socket
//	                   with a 4 KiB receive buffer and reads nothing for a while
//	3     Tricklers    sends a call's headers, then one body byte every interval
//	-     Bystander    calls add(2,3) from another loopback address and counts the failures
//
// Start runs a harp binary as harp serve on 127.0.0.1, StartGateway runs one as harp gateway in
// front of such a server, Status reads /proc/PID/status fields (VmRSS, VmHWM) and Sample follows
// a process's resident set. TestAttacks runs each kind alone and then all three at once against
// a real harp serve (HARP_ATTACK_ONLY names one run); TestGatewayAttacks runs all three at once
// through a real harp gateway. HARP_ATTACK=full runs them at the scale, and
// HARP_ATTACK_BINARY measures another harp binary instead of one built from this tree.
package attack
