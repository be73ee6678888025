// Package gateway is a protocol-aware proxy in front of XML-RPC and JSON-RPC fleets: it reads
// each call's method name, routes it to a pool of equivalent backends (a cluster.Cluster), and
// forwards the request body as it came.
//
// # Configuration
//
// A Config is read from YAML by Load or Parse (go.yaml.in/yaml/v3): a field the schema does not
// know is refused, and every error (a ConfigError, all of them together as ConfigErrors) names
// the file, the line and column, the field's path and what was expected:
//
//	gw.yaml:6:5: pools.a.polcy: unknown field "polcy"; want one of attempt_timeout, backends, ...
//
// Fields left out keep DefaultLimits' and DefaultPool's values, which keep every limit on.
//
//	YAML                      Go                    what it does
//	listeners[].address       Listener.Address      host:port or unix:/path; tls: {cert, key, client_ca, client_auth}
//	admin.address             Admin.Address         /metrics, /status, /status.json, /healthz, /readyz, POST /reload
//	limits.*                  Limits                body size, depth, batch, values, header size, timeouts,
//	                                                memory budget and per-peer shares, body and write stalls
//	routes[]                  Route                 paths, methods (exact, prefix.*, glob), protocol -> pool
//	pools.NAME.backends[]     Backend               url (http, https, unix://), weight, backup
//	pools.NAME.registry       RegistrySource        backends from the registry on NATS: nats, service, bucket, master_only
//	pools.NAME.policy, mode   cluster.Config        balancing policy; failover, failfast, forking, broadcast
//	pools.NAME.idempotent     cluster.MethodConfig  method patterns retried after failures that may have run
//	pools.NAME.max_in_flight  (the gateway's)       calls in flight past which callers get an overload answer
//	pools.NAME.health ...     cluster.HealthConfig  active checks (method: none turns them off)
//	outlier, breaker, retry, hedge, slow_start      the cluster's settings of the same names
//
// # Memory
//
// The gateway bounds its memory as server does, by the same code (limits.memory_budget, 256 MiB
// by default): a request body reserves what arrives as it arrives (never what it declares),
// twice more for the values a split or a bridge may decode, and its answer while it is written;
// what does not fit is refused at once (503 with Retry-After, or 413 when it never could) and
// everyone else goes on being served. An answer that does not fit once the call ran is replaced
// by a fault saying so. One address holds at most limits.peer_share (a quarter) of the budget and
// of limits.max_bodies (the bodies being read past their first read), and max_conns_per_peer
// connections over every listener; peer_share 0 turns the shares off, for a trusted proxy in
// front. A body that sends nothing for body_stall_timeout is cut (408); an answer that the client
// takes no 32 KiB piece of for write_stall_timeout ends its connection (a reset, its unsent bytes
// dropped). harp gateway sets the runtime's soft memory limit to the budget plus 64 MiB unless
// GOMEMLIMIT is set, and gives memory back to the operating system after a burst. These limits
// are read at start; a reload that changes them is refused.
//
// # Calls
//
// A request is read within the limits (413 too large, 408 too slow, 415 an unknown encoding,
// 503 with Retry-After when the memory budget or the bodies being read are full; see Memory)
// and parsed in full by the wire format's own decoder (xmlrpc.DecodeOptions.DecodeCallTo,
// jsonrpc.DecodeOptions.DecodeRequests), which checks the whole document (grammar, depth,
// size, value count) and builds nothing but the method name: nothing malformed is forwarded,
// and a malformed request gets server's parse-error answer. The first route that matches the
// path, the protocol and the method takes the call; none is a method-not-found fault (-32601).
//
// The body then goes, unchanged, through the pool's cluster (Cluster.RoundTrip) to one backend,
// and the answer is written back with Content-Length. The answer is read into a pooled buffer
// first, not streamed: a failed attempt can then be retried elsewhere (for an idempotent method)
// without the caller having seen half an answer, and the answer's first element tells a fault.
// Faults (and JSON-RPC error objects) are answers: healthy, never retried, never ejected on.
//
// When the gateway must answer itself, it answers in the caller's protocol (an XML-RPC fault,
// a JSON-RPC error object under the request's id) with an HTTP status a harp cluster client
// classifies correctly:
//
//	503 + Retry-After  CodeOverload     the pool has max_in_flight calls in flight: refused at once, never queued
//	503 + Retry-After  CodeUnavailable  no backend could be reached: the call provably did not run
//	502                CodeBadGateway   a backend failed after the call may have reached it (named in the message)
//	504                CodeTimeout      the call's deadline passed
//
// So a backend that dies in the middle of a call never shows as a silent close of the caller's
// kept-alive connection (which Python's xmlrpc.client answers by sending the call again).
//
// A call that is not declared idempotent (pools.NAME.idempotent) is retried only after a
// failure that provably never reached a backend (cluster's at-most-once rule); a system.multicall
// or batch is idempotent when all its calls are.
//
// The caller's deadline (Harp-Timeout) and request id (X-Request-Id) are passed on, bounded by
// limits.call_timeout; a call without an id gets one of the gateway's, sent back in the answer's
// X-Request-Id. Options.AccessLog writes one log/slog line per request.
//
// # Multicall, batches and introspection
//
// A system.multicall whose calls all route to one pool is forwarded whole. Otherwise it is split:
// each pool gets its share as a system.multicall of its own (or as single calls, for pools with
// multicall: false), the parts run at once, and the answers are put back in the caller's order;
// a part that fails answers each of its calls with a fault naming the failure. JSON-RPC batches
// are split the same way, responses matched by id. system.listMethods answers the union of
// every pool's methods that the routes would send there; methodHelp and methodSignature go to
// the pool of the method they name.
//
// # Bridging
//
// A pool with protocol: xmlrpc (or jsonrpc) declares that its backends speak only that one:
// calls arriving in the other are translated, so an old XML-RPC service gets a JSON-RPC face
// without a change to it. Parameters are decoded into the codecs' natural Go values and encoded
// in the backend's protocol; the answer comes back the same way, a fault as an error object
// with its code and message and the other way round. The mapping is the codecs':
//
//	JSON-RPC                         XML-RPC
//	integer (32 bits / 64 bits)      int / i8
//	other number                     double
//	string, true/false, null         string, boolean, nil (the extension; Python's allow_none)
//	array, object                    array, struct
//	base64 string                    base64 (as []byte; read back as a base64 string)
//	RFC 3339 string                  dateTime.iso8601 (as time.Time; read back as a string)
//	named params (one object)        one struct parameter
//
// A JSON-RPC notification to an XML-RPC pool is sent as a call whose answer is dropped. The
// entries of a batch or system.multicall that route to a pool of the other protocol are bridged
// one by one, each a single call of the pool's protocol (bridgeparts.go), and their answers put
// back in the caller's order beside the other pools'; the part counts with the worst outcome of
// its entries. TestBatchBridged and TestMulticallBridged check both directions.
//
// # Reloads
//
// Apply swaps a new configuration in atomically; Reload re-reads the file (SIGHUP, Watch's
// polling, and POST /reload call it). The new configuration is verified first; an invalid one is
// refused with its errors and the running one goes on. Calls in flight finish on the pools they
// started on. A pool whose settings (backends and in-flight limit aside) did not change keeps
// its cluster, so its unchanged backends keep their health state, counters and connections;
// its backends are updated with Cluster.SetEndpoints. Pools left out are closed once their calls
// have finished. Listeners cannot change while running.
//
// # Several gateways
//
// A gateway keeps no state that another needs: health, counters and the retry budget are its
// own, and every call runs on one. So several run side by side from one configuration file, and
// callers reach them the way they would reach any replicated HTTP service: a harp cluster client
// (cluster.New over the gateways' URLs) fails over between them (TestTwoGatewaysOneKilled); a
// DNS name with several addresses (cluster.DNS resolves it, other clients pick one); or a
// virtual IP held by keepalived (VRRP) on the gateways' hosts, moved to a standby when the
// active host stops answering. A gateway that dies takes only the calls it was carrying: the
// caller sees a failed connection, retried elsewhere only for idempotent methods.
//
// # Observability
//
// Status (and /status.json) reports each pool and backend: state, weight, share, calls,
// failures, in flight, p50/p99, ejections, availability, MTBF and MTTR, with the last state
// changes and their reasons; /status is a live HTML page fed by server-sent events. An Observer
// (the metrics package's) is told of every answered call with its route, pool, method and
// Outcome; the metrics package serves them in Prometheus' format, so this package does not
// depend on Prometheus.
//
// # The fast path: the server package's fast connections, the gateway's own backend client
//
// Each call listener is served by a server.NewHandler server: the plain POSTs nearly every
// caller sends (HTTP/1.1, one Content-Length, head and body within 4 KiB arriving together) are
// read and answered on the server package's fast connections, without net/http's per-request
// goroutine, header copy and deadlines; any other request, and every TLS connection, goes to
// net/http's server with its connection (its hardening against hostile requests, HTTP/2,
// client certificates). TestServeAnswersAsHandler sends the same requests to Serve and to
// Handler under net/http's own server and wants the same answers; the server package checks its
// fast connections against net/http for any handler (TestNewHandlerAnswersAsNetHTTP,
// FuzzNewHandler). A call is bounded by its deadline, not by its caller's connection: a caller
// that hangs up does not cancel its call, which runs on to its answer or its deadline (the call
// timeout's deadline is shared by the calls of a few milliseconds, cluster.DeadlineContext, so
// that no call makes a timer of its own). The admin listener stays on net/http's server.
//
// Calls go to backends through the gateway's own HTTP/1.1 client (backend.go): each exchange
// runs on the caller's goroutine over a kept-alive connection of its pool, one write of the
// headers and body, the answer framed by Content-Length, chunks or the connection's end; an idle
// connection the backend closed is found by a non-blocking peek before it is used. It knows
// exactly what it wrote, so its BackendError says structurally whether a request may have run
// (NotSent), which the at-most-once rule rests on.
//
// Measured side by side (FHPROXY=... examples/gateway/bench.sh 5s 3: two harp backends
// answering add(2,3) on core 0, each proxy with one thread or worker on core 1 beside wrk -t1
// -c16), own CPU per request, 2026-12-04: HAProxy 2.6 25.9 µs, a fasthttp round-robin proxy
// (fasthttp.LBClient, built outside the module) 27.4 µs, nginx 1.22 30.9 µs, this gateway 56.8
// µs, Go's httputil.ReverseProxy 133 µs; the gateway on net/http's server had cost 94.3 µs.
//
// Why not fasthttp: a null proxy on this stack (the fast connections and backend.go, forwarding
// each body and nothing else) cost 25.5-29.2 µs in the same setup, as fasthttp's proxy and
// HAProxy do, so the engine is not what the gateway pays for. It pays for its work: parsing
// every call, the cluster's bookkeeping, metrics, and above all deadlines (one context with a
// timer of its own per request added 6-9 µs, hence cluster.DeadlineContext). Staying on net/http
// for everything the fast connections do not take keeps one HTTP stack, with the server
// package's limits, watchdog and memory budget, TLS with client certificates and HTTP/2, where
// fasthttp would be a second one with hardening of its own to keep equal.
package gateway
