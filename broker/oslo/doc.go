// Package oslo is harp's AMQP 0-9-1 transport, wire-compatible with OpenStack's oslo.messaging
// (14.x, rabbit driver) on RabbitMQ: a harp Server answers Python's RPCClient (call, cast,
// prepare(server=...), fanout cast), and a harp Client calls a Python oslo.messaging RPC
// server. Everything on the wire follows what oslo.messaging does, as observed on a live broker
// (../shared/oslo-wire.md) and checked against the real peers by this package's tests.
//
//	oslo.messaging                        harp
//	transport_url rabbit://u:p@h:port/    Listen / Dial with amqp://u:p@h:port/
//	Target(topic=, server=)               Config.Topic, Config.Server; Target for a Client
//	get_rpc_server(...).start()           Listen(ctx, url, core, cfg) (core: an *rpc.Server)
//	server.stop(); server.wait()          Server.Shutdown(ctx)
//	RPCClient.call / cast                 Client.Call (CallRaw) / Client.Cast
//	prepare(server=, fanout=, version=)   Client.Prepare(Target{...})
//	prepare(fanout=True).cast             Client.Fanout
//	rpc_response_timeout (60 s)           ClientConfig.Timeout
//	call_monitor_timeout                  ClientConfig.MonitorTimeout
//	TransportOptions(at_least_once=True)  ClientConfig.Mandatory (on by default)
//	ctxt dict                             WithRequestContext / RequestContext
//	RemoteError, rebuilt exceptions       *RemoteError (Class, Module, Traceback, Code)
//	MessagingTimeout                      *TimeoutError
//	MessageUndeliverable                  *UnroutableError (NotSent: nobody serves it)
//
// # Wire
//
// Every message is a JSON body {"oslo.version": "2.0", "oslo.message": "<JSON text>"} written
// as Python's json.dumps writes it (", " and ": " separators, non-ASCII as \uXXXX), with the
// AMQP properties content_type application/json, content_encoding utf-8, delivery_mode 2,
// priority 0, empty headers, and for a call an expiration of its timeout in milliseconds.
// A request carries method, args (the keyword arguments), namespace and version when set,
// _msg_id, _reply_q and _timeout for a call, _unique_id, and one _context_<key> per request
// context item; a reply carries result, failure (the exception, JSON encoded again as a
// string), ending, _msg_id and _unique_id. A bare 1.0 message (no envelope) is read too; any
// envelope version other than 2.0 is refused, as oslo refuses it.
//
// # Topology
//
// Exactly oslo's declarations, since the broker refuses a redeclaration with other flags: the
// topic exchange "openstack" (not durable, not auto-deleted); the queues "topic" and
// "topic.server" (plain: not durable, not auto-deleted, not exclusive, no arguments) bound to it
// by their names; the fanout exchange "topic_fanout" (auto-deleted) with a queue
// "topic_fanout_<uuid>" per server (x-expires 30 min, deleted at Shutdown); and a queue
// "reply_<uuid>" per Client (x-expires 30 min) that servers reply to through the default
// exchange, mandatory. The server acks a request before running it (at most once, as oslo),
// drops a _unique_id seen among the last 16, rejects what it cannot read, and sends
// call-monitor heartbeats (ending false, every _timeout/2 s) only when the caller set _timeout,
// since a Python caller without a call monitor crashes on them. Publishes go through channels in
// publisher-confirm mode. Two deviations, neither visible to a Python peer: consumers ask for a
// prefetch of Config.MaxInFlight (oslo sends no basic.qos), so that a busy server leaves the
// topic's calls to the others; and calls and casts are mandatory by default, so that a topic
// nobody serves fails at once rather than after the timeout.
//
// # Arguments
//
// oslo.messaging calls take keyword arguments only. A harp Server turns them into the JSON-RPC
// params its serving core binds (the same value mapping as JSON-RPC over HTTP):
//
//	args                              bound as
//	{} (none)                         no parameters
//	{"0": a, "1": b, ...} in order    positional params a, b, ... (what harp sends for
//	                                  positional params; no Python keyword is named so)
//	method(p T), T a struct or map    named params: one struct (json tags) or map
//	any other method                  positional params, in the order the caller wrote the
//	                                  keywords (Python keeps it on the wire): add(x=2, y=3)
//	                                  calls func(a, b int) with a=2, b=3
//
// A method the Dispatcher cannot describe (not an *rpc.Registry) takes them named. A harp
// Client's args is a struct or map encoded with encoding/json (or a json.RawMessage object).
//
// # The broker model
//
// Transport implements broker.Transport, and importing this package makes broker.Dial take
// amqp:// URLs, so broker.Client and broker.Server (and harp cast and fanout on an
// amqp://USER:PASS@HOST:PORT/TOPIC URL) run over this wire: a broker.Server answers Python's RPCClient,
// a broker.Client calls a Python server. A call's JSON-RPC or XML-RPC document is translated
// to keyword arguments (named params, or XML-RPC's one struct parameter, are the keywords;
// positional params travel as "0", "1", ...) and the answer comes back in the call's
// protocol. oslo.messaging has no durable casts: a durable cast is broker.ErrUnsupported. A
// Client is also an rpc.Transport (RoundTrip) for rpc.Client with a JSON-RPC codec.
//
// # Connections
//
// As oslo, a server listens on one connection (its three consumers on one channel) and
// publishes on another; a client publishes on one and reads its reply queue on another. A
// client dials again when it finds a connection lost; a server stops (Done, Err) when its
// broker connection is lost, for its supervisor to start it again.
//
// # Faults and exceptions
//
// A fault a harp method answers becomes an oslo failure a Python caller understands, and any
// failure comes back to a harp caller as a *RemoteError with a fault code (FailureFromFault,
// Failure.Code):
//
//	harp fault                        oslo failure (class, module)      Python raises
//	-32601 method not found           NoSuchMethod, oslo_messaging...   RemoteError
//	-32602 invalid params             TypeError, builtins               TypeError
//	any other code c                  Fault, harp; kwargs {"code": c}   RemoteError
//	namespace or version mismatch     UnsupportedVersion                RemoteError
//
// A Python exception of another class maps to ClientConfig.AppCode, its message read as
// "Class: message". A remote fault is never a transport failure: those are *TransportError,
// *TimeoutError and *UnroutableError, whose NotSent and Timeout methods cluster.Classify reads.
package oslo
