// Package cluster calls methods on a set of equivalent servers: it balances calls across them,
// keeps each one's health, and fails over when one fails, without knowing the wire format.
//
// A Cluster drives one Caller per endpoint, made by a Factory; *client.Client satisfies Caller,
// so an XML-RPC cluster is
//
//	c, err := cluster.New(
//		[]cluster.Endpoint{{URL: "http://10.0.0.1:8000/RPC2"}, {URL: "http://10.0.0.2:8000/RPC2"}},
//		func(ep cluster.Endpoint) (cluster.Caller, error) { return client.New(ep.URL) },
//		nil)
//	...
//	err = c.Call(ctx, "add", &sum, 2, 3)
//
// # Call shapes
//
// Every shape goes through one core, with the same policies, health, retries and at-most-once
// rule: Call (positional parameters), CallNamed (one struct or map of named parameters), Batch
// (a JSON-RPC batch), MultiCall (XML-RPC's system.multicall) and RoundTrip (an encoded body
// forwarded as is: a *Cluster is an rpc.Transport, so a gateway forwards through it). Call needs
// only Caller; the others need the endpoint's Caller to implement NamedCaller, BatchCaller,
// MultiCaller or rpc.Transport, as *client.Client does. An endpoint whose Caller lacks the
// interface is skipped with an *UnsupportedError (wrapping ErrUnsupported): nothing was sent, it
// is not a retry, and it never counts against the endpoint's health.
//
// A shape's settings come from Config.Methods under its method: CallNamed's method; "batch" for
// Batch; "system.multicall" for MultiCall; RoundTrip's Request.Method. A Batch or MultiCall is
// idempotent only when every entry's method is declared Idempotent. A raw body's entries are
// unseen, so a raw batch ("batch", "system.multicall") is idempotent only when that name is
// declared so. consistent_hash hashes CallNamed's method with the whole parameters value, a batch
// as its first call, and a raw body by its method alone (WithHashKey overrides each). In forking
// and broadcast mode every copy decodes into replies of its own (fresh values of each reply's
// type, fresh batch entries, a fresh buffer), and the winning answer is copied into the caller's.
//
// # Errors
//
// The cluster reads each attempt's error structurally (see Classify): a value with a FaultCode
// method is an application answer (healthy, returned as is, never retried); NotSent() true is a
// failure that never reached a server (always safe to retry); Timeout() true is a timeout;
// StatusCode() 5xx an HTTP failure. Calls are made at most once unless told otherwise: only
// NotSent failures are retried, unless the method is declared Idempotent in Config.Methods.
// Retries go to endpoints not yet tried, then round again after their backoff, so a call with one
// routable endpoint left is retried there, within its attempts, the budget and its deadline.
//
// # Per-method settings
//
// Config.Methods is keyed by method names or by patterns ('*' any run of characters, '?' one),
// so a service's safe methods are declared at once: supervisord's
//
//	cfg.Methods = map[string]cluster.MethodConfig{
//		"supervisor.get*":  {Idempotent: true},
//		"supervisor.read*": {Idempotent: true},
//		"supervisor.tail*": {Idempotent: true},
//		"system.*":         {Idempotent: true},
//	}
//
// An exact name wins over every pattern, the most specific pattern over the others. For one
// call, WithCallConfig replaces the settings its name would get.
//
// # Python backends
//
// Python's SimpleXMLRPCServer listens with a backlog of 5 (socketserver's request_queue_size)
// and, without ThreadingMixIn, serves one call at a time. Under load its connects stall: the
// kernel drops SYNs and the client retransmits after 1 s, then 3 s (a p99.9 of 1.3 s was seen),
// which a 750 ms AttemptTimeout turns into failed attempts. On the Python side, raise
// request_queue_size (a subclass attribute) and mix in socketserver.ThreadingMixIn. On harp's
// side: an attempt that timed out while connecting never sent its request (NotSent), so it is
// retried elsewhere even for methods that are not idempotent; the HTTP client keeps dialing in the
// background after such an attempt, bounded by its own connect timeout (client.WithDialTimeout,
// 30 s by default; harp's commands take --connect-timeout), and the connection it makes serves the
// next call. To keep first attempts from failing on a stalled connect at all, give the connect a
// clock of its own: with Config.ConnectTimeout (say 3 s, over two SYN retransmits) an attempt
// waits that long for its connection and its AttemptTimeout starts once connected
// (rpc.WithAttemptTimeout; harp's HTTP client honours it, a Caller that cannot tell when it is
// connected is bounded by ConnectTimeout plus AttemptTimeout). TestClusterConnectTimeout (in
// package client) shows it against a listener whose backlog is full: answered after 1.01 s within
// one 300 ms attempt, where the attempt fails without it.
//
// # Policies
//
// Endpoints are chosen by a Policy registered by name: round_robin, weighted_round_robin
// (nginx's smooth algorithm), random (weighted), least_active, p2c_ewma (power of two choices on
// latency EWMA × (in flight + 1)), consistent_hash (a ring with bounded load), maglev (Maglev's
// lookup table with bounded load) and first_available (master/slave). Pickers read an immutable snapshot of the routable endpoints, rebuilt only when
// health or membership changes, and atomic counters: no lock per call. Backup endpoints are used
// only while no primary is routable.
//
// # Health
//
// Active checks (Config.Health, HAProxy's inter/fastinter/downinter and rise/fall) take an
// endpoint down and bring it back up; a check is any function (DefaultCheck calls
// system.listMethods through the endpoint's Caller; MethodCheck and HTTPCheck are the others). Passive outlier detection (Config.Outlier, Envoy's) ejects
// an endpoint after consecutive failures or a high failure rate, for a time that grows with
// repeated ejections, never ejecting more than a share of the endpoints. A circuit breaker
// (Config.Breaker) per endpoint opens after consecutive failures and lets probes through when
// half-open. An endpoint that comes back ramps up its weight over Config.SlowStart.
//
// # Modes
//
// Config.Mode and Config.Methods choose per method: failover (retry another endpoint, bounded,
// with jittered exponential backoff and a retry budget), failfast, forking (hedged copies, the
// first answer wins) or broadcast (every endpoint), for every call shape.
//
// # Observability
//
// Stats returns per-endpoint state, counters, latency EWMA and quantiles, ejections,
// availability, MTBF and MTTR; Subscribe streams every state change with its time and reason.
//
// # Deadlines without a timer per call
//
// An attempt timeout is a timer per attempt, a context.WithTimeout, whenever the caller's context
// can be cancelled. When it cannot (context.Background, or one that carries only values) or
// when it ends only at its own deadline (DeadlineContext's, which a caller that bounds every
// call alike uses for its call timeout: a gateway), the attempts that start within one 5 ms tick
// share one context instead, and run for their timeout plus at most a tick; an attempt whose
// caller's deadline comes within that tick gets a timer of its own. TestSharedDeadline and
// TestDeadlineContext check both against the timer per attempt they shortcut: same values,
// deadlines never before the timeout, cancellation kept for a context that can be cancelled.
package cluster
