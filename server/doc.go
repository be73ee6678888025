// Package server serves the methods of an rpc.Registry over HTTP: an http.Handler that mounts on
// any mux and path, and ListenAndServe/Serve with safe timeouts and graceful shutdown.
//
// The protocol is chosen per request by a small internal codec interface; XML-RPC (package xmlrpc)
// is served today, keyed by the request's Content-Type, so JSON-RPC can join on the same path.
//
// # What a request gets
//
//   - POST to one of Config.Paths (default "/" and "/RPC2"; anything else is 404): the call's
//     response, always with Content-Length. Faults follow the interoperability convention:
//     -32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid params
//     (wrong count or type, with the parameter's path), -32603 internal error (a panic, with no
//     stack or file path; the stack is logged), a handler's own *xmlrpc.Fault code, or
//     the registry's application code (rpc.Config.ErrorCode) for any other handler error.
//     Faults travel with HTTP 200, as XML-RPC requires.
//   - GET or HEAD: an HTML page documenting every method with its signature and help.
//   - A body over Config.MaxBodySize (default 16 MiB), declared or streamed: 413. A gzip body whose
//     decompressed size is over the limit: 413. A body that stalls for Config.BodyStallTimeout
//     (a lying Content-Length, a trickle): 408.
//   - More than Config.MaxInFlight calls at once: 503 with Retry-After.
//   - Without the Basic credentials Config.BasicAuth accepts: 401.
//
// A handler's context is cancelled when its client goes away, and expires after
// Config.CallTimeout; a handler that ignores it is abandoned at that deadline so that only its own
// call is hurt. Responses over Config.GzipThreshold are compressed for clients that accept gzip.
package server
