// Package jsonrpc implements the JSON-RPC 2.0 wire format, and understands JSON-RPC 1.0: requests,
// notifications, batches, responses and error objects, and a codec between JSON and Go values that
// means the same as harp's XML-RPC codec, so one Go method serves both protocols unchanged. It
// knows nothing of HTTP.
//
// # Messages
//
// DecodeRequests parses a request body (one request or a batch) into Requests; a Request
// implements rpc.Params, decoding each parameter straight into the Go type a method takes, with
// errors naming the path of the value ("params[0].rows[3].id"). Positional params (an array) are
// parameters one by one; named params (an object) are ONE parameter, which binds to a struct (by
// json tag, xmlrpc tag or field name) or a map. Codec.Serve answers a whole body: batches,
// notifications (run, never answered), invalid entries and limits included.
//
// Ids are kept as their exact JSON text and echoed unchanged: a number id keeps every digit. In
// JSON-RPC 2.0 a request without "id" is a notification, and "id": null is an ordinary request
// answered with a null id. A request without a "jsonrpc" member is JSON-RPC 1.0 (as jsonrpclib
// in 1.0 mode and Go's net/rpc/jsonrpc send it): there a null id makes it a notification, and the
// response is written in 1.0 style, with both "result" and "error", one of them null. A "jsonrpc"
// member other than "2.0" is an invalid request.
//
// For clients, AppendRequest, AppendNamedRequest, AppendRequestV1 and AppendBatch write requests;
// DecodeResponses and UnmarshalResponse read responses, returning an error response as an *Error,
// which carries Code, Message and Data and has FaultCode() int, so code that knows no wire format
// treats it as an application answer, like *xmlrpc.Fault.
//
// # Types
//
// Decoding into an interface value yields the same natural Go types the XML-RPC codec gives:
//
//	object             map[string]any
//	array              []any
//	string             string
//	true, false        bool
//	null               nil
//	integer literal    int when it fits 32 bits, int64 when it fits 64, *big.Int beyond
//	other numbers      float64
//
// Integers are always read exactly, never through float64. A number with a fraction or exponent
// is read into a Go integer only when it denotes an integer a float64 holds exactly (3.0, 1e3). A
// string holding an integer beyond ±(2^53-1) ("9007199254740993", as LargeIntsAsStrings writes it)
// is read into Go integers and *big.Int too; a string holding a smaller integer is a type error.
//
// Values JSON cannot carry natively are mapped so that a value sent over XML-RPC and read back
// over JSON-RPC from the same Go method means the same thing:
//
//	[]byte               base64 string (standard alphabet, padded); XML-RPC base64
//	time.Time            RFC 3339 string in UTC, fractional seconds when present
//	                     ("2024-05-01T12:30:00Z"); XML-RPC dateTime.iso8601, which drops the
//	                     fraction unless xmlrpc.EncodeOptions.SecondDigits asks for it. Read from
//	                     RFC 3339, from the same without a zone (UTC), and from XML-RPC's compact
//	                     form.
//	int64, uint64        number with its exact digits, also beyond 2^53; XML-RPC i8.
//	                     EncodeOptions.LargeIntsAsStrings writes integers beyond ±(2^53-1) as
//	                     strings instead, for JavaScript clients.
//	float64              shortest exact form, always with a decimal point or exponent (2.0, not 2),
//	                     so it reads back as float64, not int; NaN and infinities are errors
//	*big.Int, *big.Float number; XML-RPC biginteger, bigdecimal
//	nil slice, nil map   [] and {}, as XML-RPC writes them
//	nil pointer, nil     null; XML-RPC nil
//
// In an interface value, base64 and dates read back as strings (JSON has no such types); decoded
// into []byte or time.Time they read back as the same bytes and instant.
//
// Struct fields are named by their `json` tag, or failing that their `xmlrpc` tag, or the field
// name; ",omitempty" and "-" apply; embedded structs are flattened with encoding/json's rules.
// Decoding matches names exactly, then case-insensitively. Types implementing json.Marshaler and
// json.Unmarshaler are honoured (their output is validated). Map keys are written sorted.
//
// A struct whose blank field is tagged `xmlrpc:",array"` (as in package xmlrpc, so one type
// serves both protocols) is a positional struct: it is decoded from an array, element i into
// member i, and encoded as one; an array of another length is an *UnmarshalTypeError. As with
// encoding/json, an interface value holding a non-nil pointer is decoded through the pointer, so
// decoding ["line", 12, true] into []any{&s, &n, &ok} fills s, n and ok; an array too short for
// the pointers a target holds, or an element that does not fit one, is an error, never a silent
// zero.
//
// # Raw values
//
// json.RawMessage is the raw value of this package, as xmlrpc.RawValue is XML-RPC's: as a
// parameter target (Request.DecodeParam), a result target (Response.Decode, UnmarshalResponse), a
// struct field or an element, it receives the value's exact JSON text, checked with the rest of
// the document and copied out of it; encoded (a parameter, a result, anywhere inside a value) it
// is validated and written verbatim without surrounding white space, a nil RawMessage as null.
// Request.RawParams gives a request's whole params text.
//
// # Hostile input
//
// Every document is checked in full before any value is built, in time linear in its size, and
// refused with a clear error that ErrorCode maps to a JSON-RPC code:
//
//   - a document over DecodeOptions.MaxSize (default DefaultMaxSize): *LimitError, ErrTooLarge;
//   - nesting deeper than MaxDepth (default DefaultMaxDepth, 100; the batch array and the request
//     object count): *LimitError, ErrTooDeep;
//   - a number literal over 4,300 characters: *LimitError (the conversions of shorter ones are
//     bounded; a float beyond float64's range is an *UnmarshalTypeError);
//   - an object with a duplicate member name, compared after unescaping: *SyntaxError wrapping
//     ErrDuplicateKey. Duplicates are always refused, never resolved, because readers that keep
//     the first and readers that keep the last can be played against each other;
//   - a string with invalid UTF-8, or a \u escape of a lone surrogate: *SyntaxError wrapping
//     ErrInvalidUTF8;
//   - more than MaxValues values in one document (default DefaultMaxValues, 1,000,000; every array
//     element and object member counts): *LimitError, because decoding a dense document into
//     interfaces costs many times its size in memory;
//   - a batch of more than MaxBatch entries (default DefaultMaxBatch, 1,000): *LimitError wrapping
//     ErrBatchTooLarge, answered as an invalid request; an empty batch: ErrEmptyBatch.
//
// The encoder refuses strings that are not valid UTF-8 and escapes U+2028 and U+2029, so its
// output is also valid JavaScript.
//
// # Fast paths
//
// Two shortcuts serve the requests nearly every client sends. Each takes only what it handles
// exactly as the general path would, falls back to the general path for everything else, and is
// checked against it by the tests named here. Building with the harp_nofastpath tag (see package
// internal/fastpath) turns them off, so that every test runs through the general paths:
// go test -tags harp_nofastpath ./jsonrpc.
//
//   - Plain requests (DecodeRequests, Codec.Serve): one JSON-RPC 2.0 request object with the
//     members jsonrpc, method, params (an array) and id in that order, white space anywhere
//     between tokens, a method, string params and a string id of printable ASCII without escapes,
//     and integer params and id of at most 19 digits without fraction or exponent. It is read
//     without the general scanner. Anything else (a batch, named or absent params, a notification
//     or null id, another member or order, other values) and any request for which the MaxValues
//     or MaxDepth limits could matter goes to the general parser, which decides. Checked by
//     TestFastRequestAgrees and FuzzFastRequest, which call both parsers directly and so run
//     under the tag too.
//   - Scalar params (Request.IntParam and StringParam, which rpc reads for a Func's int, int64 and
//     string parameters): a positional param that is an integer of at most 18 digits, or a string
//     of printable ASCII without escapes, is read from the text without a decoder; anything else
//     is left to DecodeParam. Under the tag they offer nothing. Checked against DecodeParam by
//     TestScalarParamsAgree and FuzzScalarParams (skipped under the tag).
package jsonrpc
