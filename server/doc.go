// Package server serves the methods of an rpc.Registry over HTTP: an http.Handler that mounts on
// any mux and path, and ListenAndServe/Serve with safe timeouts and graceful shutdown.
//
// It serves XML-RPC (package xmlrpc) and JSON-RPC 2.0 (package jsonrpc, which also reads 1.0
// requests) from the same registry: the same Go functions, introspection and system.multicall.
// On Config.Paths each request's protocol comes from its Content-Type (text/xml or
// application/xml; application/json, application/json-rpc or application/jsonrequest), and for a
// missing or generic type from the body's first non-space byte ('<' or '{' / '['); paths in
// Config.XMLRPCPaths or Config.JSONRPCPaths serve one protocol whatever the type.
//
// # What a request gets
//
//   - POST to one of the paths (default "/" and "/RPC2"; anything else is 404): the call's
//     response, always with Content-Length; for a JSON-RPC notification, or a batch of them only,
//     204 and no body. Faults follow the interoperability convention:
//     -32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid params
//     (wrong count or type, with the parameter's path), -32603 internal error (a panic, with no
//     stack or file path; the stack is logged), a handler's own *xmlrpc.Fault or *jsonrpc.Error
//     code, or the registry's application code (rpc.Config.ErrorCode) for any other handler
//     error. Faults and error objects travel with HTTP 200. A JSON-RPC batch over
//     Config.MaxBatch (default 1,000) is one invalid-request error.
//   - GET or HEAD: an HTML page documenting every method with its signature and help.
//   - A body over Config.MaxBodySize (default 16 MiB), declared or streamed: 413. A gzip body whose
//     decompressed size is over the limit: 413. A body that stalls (a lying Content-Length, a
//     trickle): 408, after Config.BodyStallTimeout, or under Serve after at most
//     Config.ReadHeaderTimeout from the request's start when no body byte comes at all.
//   - More than Config.MaxInFlight calls at once: 503 with Retry-After. A call counts from the
//     end of its body until it has run (its answer, while written, is held by the memory budget
//     and Config.WriteStallTimeout instead); more than Config.MaxBodies bodies being read at once (past their first
//     read): 503 with Retry-After, at once.
//   - A request that does not fit in Config.MemoryBudget (default 256 MiB) beside what the
//     others hold: 503 with Retry-After, at once; one that never could: 413; an answer that
//     does not fit once its call has run: an internal error fault saying so. See "Memory".
//   - Without the Basic credentials Config.BasicAuth accepts: 401.
//
// Under Serve, overload makes answers slower, not lost: a new connection's header timeout runs
// from its first byte (until then it waits up to IdleTimeout), and a read that runs after its
// deadline still takes the bytes that came in time, so a goroutine scheduled late under load does
// not fail a client that was on time; a request body whose first read fails at the deadline
// net/http set when the request's headers started waits once more, for the body stall timeout
// (bodygrace.go), since a body sent after its headers may come late on a busy machine (header
// reads never get that wait, so a trickled header is still cut off). A client that half-closes its sending side after its
// request (nc -N) gets its answer.
//
// A handler's context is cancelled when its client goes away, and expires after
// Config.CallTimeout; a handler that ignores it is abandoned at that deadline so that only its own
// call is hurt. Responses over Config.GzipThreshold are compressed for clients that accept gzip.
//
// A caller's remaining deadline (header Harp-Timeout, rpc.TimeoutHeader) and request id
// (X-Request-Id, rpc.RequestIDHeader) reach the handler's context: the earlier of that deadline
// and CallTimeout holds, and the id appears in the server's logs. harp's client sends both, so a
// handler that calls on with its context passes the first caller's budget down a chain
// (TestDeadlineChain); requests without them are served as before. The deadline is put on the
// context lazily (rpc.WithLazyDeadline): a handler that never waits on its context costs no timer.
//
// # Memory
//
// The server's memory for requests is bounded by design, whatever the requests: one budget,
// Config.MemoryBudget, holds reservations for the bytes of request bodies being read (reserved
// as the buffer grows with what arrives, never for a declared length alone), the values decoded
// from them (reckoned at twice the body; the codecs' values limits, 1,000,000 per document,
// bound what decoding may cost) and the answers being written. A request that needs more than
// 64 KiB may use seven eighths of it, so small calls are served while large ones fill it. Under
// Serve an answer whose writing makes no progress for Config.WriteStallTimeout (5 s) ends its
// connection, so a client that never reads pins its answer seconds, not minutes; after a burst
// of large requests Serve gives the memory back to the operating system (debug.FreeOSMemory)
// once the budget's use has fallen, and again on each of the next three seconds (sync.Pool and
// closing connections keep some of it through the first collection). The rest of the
// process's memory (the runtime, about 20 KiB per connection, garbage not yet collected) is
// outside the budget; harp serve sets the runtime's soft memory limit to the budget plus 64 MiB
// (debug.SetMemoryLimit, unless GOMEMLIMIT is set) so that the collector runs before the heap
// doubles. TestAttacks (package internal/attack) runs the attacks of issue 12 against a harp
// serve and holds its peak RSS to the budget plus 112 MiB.
//
// Under Serve one IP address may hold at most Config.PeerShare (a quarter) of Config.MaxConns
// (10,000 connections; over it a connection is closed as it is accepted), of MaxBodies and of
// the budget; 0 turns these shares off, for a trusted gateway in front that all requests come
// through.
//
// # The serving core
//
// Decoding, dispatching and encoding are rpc.Server's (the transport-neutral serving core); this
// package is its HTTP adapter: paths, content negotiation, Basic auth, body limits, gzip, TLS,
// the documentation page and the connection watchdog. New takes any rpc.Dispatcher, so a
// forwarder or a catch-all can stand where a registry does; the documentation page lists methods
// when the Dispatcher is an rpc.MethodLister.
//
// # Fast paths
//
// Each shortcuts a general path beside it, which serves everything it does not take:
//
//   - Fast connections (fastconn.go, fasthead.go, fastwrite.go): under Serve, plain-HTTP
//     connections are read by the server itself while each request is a POST over HTTP/1.1 to a
//     plain path, with a Host, one Content-Length and none of Transfer-Encoding, Expect or
//     Upgrade, whose head and body (4 KiB at most) arrive within one read or a second one 50 ms
//     after; the same handler serves it, and the answer is written without net/http's header
//     map copy and sort, its goroutine reading on and its per-request deadlines. At the first
//     request it does not take, the connection goes to net/http with the bytes read, and stays
//     there. Off over TLS and with Config.Middleware. A connection reuses its request, header
//     map and the strings of headers equal to its last request's. Cut a small call's cost from
//     58,200 to 31,100 instructions (XML-RPC; JSON-RPC 60,800 to 30,300, client included:
//     BenchmarkFastConns under callgrind). A NewHandler server serves any http.Handler through
//     them (the gateway's listeners do). Checked by TestFastConnsAnswerAsNetHTTP and
//     FuzzFastConns, which send the same bytes to a server with and one without and want the
//     same answers, and for a handler that answers every way a handler can (statuses,
//     informational answers, headers, declared lengths, flushes, large bodies, panics) by
//     TestNewHandlerAnswersAsNetHTTP and FuzzNewHandler.
//   - Header-free answers (response.go): a small uncompressed XML-RPC answer sets no header,
//     since net/http's sniffing names it exactly text/xml; charset=utf-8; on a fast connection a
//     small JSON-RPC answer's type is written without a header map too. Falls back for answers
//     over Config.GzipThreshold or 2,048 bytes. Checked by TestSniffedXMLType,
//     TestXMLContentType and TestFastConnsAnswerAsNetHTTP.
//   - The connection watchdog (watchdog.go): under Serve, plain-HTTP write and idle timeouts come
//     from a coarse tick clock instead of per-request deadlines; TLS keeps net/http's. Checked by
//     TestWatchdogTicks, TestIdleTimeout, TestWriteTimeoutCancelsCall.
//   - The single-read body (body.go): under Serve, a small identity-encoded body is read with one
//     plain read; a body that needs more gets the stall-guarded reader. Checked by TestSplitBody.
//   - The late body's grace (bodygrace.go): under Serve, with the watchdog, a body's first read
//     that fails at net/http's request deadline gets the stall timeout once; TLS connections and
//     servers without the watchdog keep the millisecond retry. Checked by
//     TestOverloadLateBodyAnswered and TestOverloadSlowHeaderStillCut.
//
// The harp_nofastpath build tag (package internal/fastpath) turns off the fast connections, the
// header-free answers and the single-read body, so that go test -tags harp_nofastpath ./server runs every test through
// the general paths. The watchdog stays on under the tag: its general path is net/http's own
// timeouts, which TLS connections use and the TLS tests exercise.
//
// The codecs' own fast paths (plain XML-RPC calls, plain JSON-RPC requests, scalar answers) are
// listed in the xmlrpc and jsonrpc package docs.
package server
