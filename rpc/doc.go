// Package rpc is harp's protocol-neutral core: a registry of methods bound to plain Go functions by
// reflection, the introspection methods (system.listMethods, system.methodHelp,
// system.methodSignature, system.methodExist, system.getCapabilities) and system.multicall.
//
// A wire format (XML-RPC, JSON-RPC) parses a request into a method name and a Params value, which
// decodes each positional parameter straight into the typed Go value the registered function takes,
// and hands both to Registry.Call. The package imports no wire format: a Protocol value tells the
// built-in methods how the calling wire format names types and converts values.
//
// # Serving core
//
// Server is the transport-neutral serving core that every transport plugs into (server's HTTP
// handler; a broker consumer; a test pipe): it holds a Dispatcher (a *Registry, or anything
// standing in front of one, such as a gateway's forwarder or a catch-all) and one ServerCodec per
// wire format, found by name ("xmlrpc", "jsonrpc") or picked by media type and first byte. Serve
// decodes a body into its calls, dispatches each, and appends the encoded answer, within the
// configured limits and call timeout; a handler that overruns its deadline is abandoned so that
// only its own call is hurt. The serving codecs are the one place in this package that imports
// the wire formats (xmlrpc, jsonrpc); the registry and dispatch stay wire-neutral.
//
// Transports carry the caller's remaining deadline (TimeoutHeader, in FormatTimeout's form) and
// a request id (RequestIDHeader, read with RequestID) across each hop; the handler's context
// then ends at the earlier of the caller's deadline and the call timeout.
//
// # Calling core
//
// Client is the calling core: a ClientCodec (NewXMLClientCodec, NewJSONClientCodec) encodes
// every call shape (Call, CallNamed, CallRaw, Notify, Batch, MultiCall) and decodes the answers,
// and a Transport moves the bodies: HTTP in package client, a broker, an in-memory pipe. A fault
// comes back as its wire format's type (*xmlrpc.Fault, *jsonrpc.Error); an answer that is not a
// valid response is a *ResponseError; every other error is the Transport's, unchanged, so its
// NotSent, Timeout and StatusCode methods reach cluster.Classify. A transport error carrying a
// refusal's body (StatusAnswerer) is read for a JSON-RPC error object first. A Client is itself a
// Transport: RoundTrip forwards encoded bodies it never decodes. Over XML-RPC, Batch is a
// system.multicall, and MultiCall reads supervisord's bare results too.
//
// # Methods
//
// A registered function may take a context.Context first, then any number of parameters of types
// the wire format can decode (numbers, strings, booleans, []byte, time.Time, slices, arrays, maps
// with string keys, structs, pointers to those, and any), the last of which may be variadic. It
// returns nothing, a value, an error, or a value and an error.
//
// Registry.RegisterValue registers every exported method of a value under a prefix, and nothing
// else: unlike Python's allow_dotted_names, no attribute, field or nested object is ever reachable
// by name; a call reaches exactly the names that were registered.
//
// # Errors
//
// Errors the core generates are *Error values with the standard codes (CodeMethodNotFound,
// CodeInvalidParams, CodeInternalError). A handler error that carries its own code (it has a
// FaultCode() int method, as *xmlrpc.Fault does) keeps it; any other handler error is reported with
// the registry's one application code (Config.ErrorCode). A panicking handler is reported as
// CodeInternalError with no stack trace or file path in the message; the stack goes to the
// registry's slog logger and the registry keeps serving.
//
// # Performance
//
// Lookups read an immutable snapshot of the method table through an atomic pointer, without locks;
// registration copies the table. The reflection plan of each method (its parameter types, the
// position of the context and of the error result) is computed once at registration, and a call
// decodes all its parameters into a single allocation.
//
// A method registered as a Func (Func0 to Func3: a function taking a context.Context and up to
// three typed parameters, returning a value and an error) skips reflection altogether: its
// parameters decode straight into typed variables and the function is called directly, about
// seven times cheaper than a reflective call in BenchmarkCallAdd, and served identically
// otherwise (signature, help, faults, panics).
//
// WithLazyDeadline is a fast path beside context.WithDeadline for the caller's deadline a
// transport puts on each request (server's Harp-Timeout, the broker's message timeout): no timer
// and no registration with the parent until something waits on the context's Done, so a handler
// that only reads its deadline or passes it on costs two allocations instead of four and no timer
// (about 4,000 fewer instructions per call under a deadline in cluster's BenchmarkLoopbackSerial).
// It falls back to a context.WithDeadline, made inside, at the first Done; FuzzLazyDeadline
// cross-checks the two.
package rpc
