// Package client calls methods on one XML-RPC or JSON-RPC 2.0 server over HTTP, HTTPS or a unix
// socket.
//
// A Client is made once per server with New and shared: it is safe for any number of goroutines
// at once, and its calls share a pool of keep-alive connections, so the "request already in
// progress" failure of a shared Python ServerProxy cannot happen. Call encodes the arguments,
// posts them and decodes the result into a reply pointer:
//
//	c, err := client.New("http://127.0.0.1:8000/RPC2")
//	...
//	var sum int
//	err = c.Call(ctx, "add", &sum, 2, 3)
//
// # JSON-RPC
//
// With WithJSONRPC the same Client speaks JSON-RPC 2.0: Call sends positional params, CallNamed
// sends one struct or map as named params (the Zabbix API's shape), Notify sends a notification
// (executed, never answered), and Batch sends one JSON-RPC batch (on an XML-RPC client it is a
// system.multicall). Values follow the jsonrpc package's mapping: []byte as base64, time.Time as
// RFC 3339, 64-bit integers with their exact digits.
//
// # Errors
//
// A fault answered by the server is an *xmlrpc.Fault, a JSON-RPC error object a *jsonrpc.Error;
// both have FaultCode and FaultString. Every other failure is a *TransportError,
// *StatusError or *ResponseError; each has the methods NotSent, Timeout and StatusCode, which
// callers that retry (such as harp's cluster client) read without importing this package:
//
//   - NotSent is true only when the request provably never reached a server: the connection was
//     refused or could not be made, the TLS handshake failed, the connection failed before a
//     single byte of the request was written to it (the client counts the bytes each connection
//     accepts), or the server answered 503 (harp servers refuse calls
//     beyond their capacity that way, before running anything). Such a call can be repeated
//     elsewhere without running twice.
//   - Timeout is true when the context's deadline (or a network timeout) ended the call.
//   - StatusCode is the HTTP status of an answer other than 200 OK.
//
// A fault sent with a status other than 200 (davexmlrpc and some PHP servers answer faults with
// HTTP 500; some JSON-RPC servers send error objects with 4xx or 5xx) is still the fault: the
// error is an *rpc.StatusFaultError, through which errors.As finds the *xmlrpc.Fault or
// *jsonrpc.Error, and whose Transport keeps the *StatusError with the status.
//
// # Deadlines
//
// The context bounds each call, from connecting to decoding. A server handler that calls
// another server with the context it was given passes its deadline on: when the first caller
// gives up, every hop's connection is closed and the servers down the chain see their handlers'
// contexts cancelled, so a chain of calls never outlives the first caller.
//
// Every request under a context with a deadline (the client's WithTimeout applied) carries what is
// left of it in the Harp-Timeout header (rpc.TimeoutHeader, written by rpc.FormatTimeout), and one
// whose context has a request id (rpc.WithRequestID) carries it in X-Request-Id
// (rpc.RequestIDHeader); a harp server bounds its handler by the one and logs the other. A request
// with neither carries neither header, at no cost. An answer read after the deadline passed is the
// caller's timeout (a *TransportError, sent), not the answer: the server's own end of the same
// deadline must not read as its fault.
//
// # Transports
//
// A Client is harp's calling core (rpc.Client) over this package's HTTP transport, and is itself
// an rpc.Transport (RoundTrip forwards encoded bodies). With WithTransport, the caller's
// RoundTripper decides whether a failed request was sent: an error in its chain with a NotSent()
// bool method says so; failing that, only a failed dial counts as not sent. Other transports (a
// broker, a pipe) plug into rpc.NewClient directly.
//
// # Performance
//
// Response buffers, gzip readers and writers are pooled; the request template is built once. A
// request body of up to 3 KiB is copied into a buffer of its own, which net/http writes with the
// head in one write (the server then reads the request at once); a larger one goes from a
// pooled buffer, in as many writes as it takes. TestSmallRequestOneWrite counts the writes of both. A client keeps DefaultMaxIdleConnsPerHost idle connections; raise it with
// WithMaxIdleConnsPerHost when more goroutines than that call at once.
package client
