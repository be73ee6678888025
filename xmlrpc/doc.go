// Package xmlrpc implements the XML-RPC wire format: values, method calls, responses and faults.
//
// The Go mapping follows encoding/json. Marshal and Unmarshal convert one <value>; MarshalCall,
// DecodeCall, MarshalResponse, UnmarshalResponse and MarshalFault handle whole messages; Encoder and
// Decoder do the same on streams.
//
// # Types
//
// XML-RPC types map to Go as follows (decoding into an interface value yields the Go type shown):
//
//	int, i4, i1, i2    int       (64-bit; 32-bit range checked when Strict)
//	i8                 int64
//	boolean            bool      (0 and 1; also true and false, in any case, unless Strict)
//	string, untyped    string    (white space kept)
//	double, float      float64
//	dateTime.iso8601   time.Time (compact, dashed, fractional seconds, Z and ±hh:mm accepted)
//	base64             []byte    (white space and line breaks ignored)
//	array              []any
//	struct             map[string]any (last duplicate member wins)
//	nil, ex:nil        nil
//	biginteger         int64, or *big.Int when it does not fit
//	bigdecimal         *big.Float
//
// Namespace prefixes on type tags are ignored, as CPython does, so the Apache extensions
// (ex:i1, ex:i2, ex:i8, ex:nil, ex:float, ex:biginteger, ex:bigdecimal) decode too.
//
// Encoding takes any of those Go types, plus every integer and float kind, structs (fields by their
// `xmlrpc:"name,omitempty"` tags, `xmlrpc:"-"` to skip, embedded structs flattened), maps with string
// keys, slices and arrays, pointers (a nil pointer is nil) and types implementing Marshaler. An
// int64 that does not fit 32 bits is written as <i8>, never truncated; NaN and infinities are
// errors; a double is written in decimal notation only, never with an exponent (the specification
// allows none), in the shortest form that reads back exactly: 1e-300 is written as 0.000…001, 300
// digits after the point. time.Time is written in UTC in the compact form 19980717T14:08:55.
//
// # Dialects
//
// Input is read leniently where nothing is ambiguous, output is strict. Beyond the specification,
// decoding reads <boolean>true</boolean> and false (davexmlrpc sends them) and <int> or <i4>
// values beyond 32 bits as 64-bit integers (Node's xmlrpc sends 5000000000 as <int>, and CPython
// reads it); DecodeOptions.Strict (Decoder.SetStrict) refuses both, as harp did before. A 64-bit
// value must still fit its Go target: 5000000000 into an int32 is an *UnmarshalTypeError.
//
// Times lose their fraction of a second: the specification's dateTime.iso8601 has none, and
// CPython reads none, so 14:08:55.9 is written as 14:08:55 (truncated, never rounded up), while
// JSON-RPC keeps the fraction. EncodeOptions.SecondDigits (Encoder.SetSecondDigits) writes that
// many digits of it, 19980717T14:08:55.123 for 3, for peers that read them (xmlrpc-c, Node's
// xmlrpc and davexmlrpc, harp itself; CPython's xmlrpc.client cannot convert them to a datetime).
//
// # Positional structs and pointer targets
//
// Some methods answer a fixed array of mixed types, as supervisord's tailProcessStdoutLog answers
// [string, int, bool]. A struct whose blank field carries the tag option "array" is decoded from
// such an array, element i into member i, and encoded as one:
//
//	type TailLog struct {
//		_        struct{} `xmlrpc:",array"`
//		Bytes    string
//		Offset   int64
//		Overflow bool
//	}
//
// The array must have exactly as many elements as the struct has members, or decoding fails with
// an *UnmarshalTypeError rather than leaving a member zero. Alternatively, as with encoding/json,
// an interface value that holds a non-nil pointer is decoded through the pointer, so decoding into
// []any{&bytes, &offset, &overflow} fills the three variables; an array too short for the
// pointers, or an element that does not fit one, is an error, never a silent zero.
//
// # Raw values
//
// RawValue holds one complete <value> element undecoded, as encoding/json's RawMessage holds a
// JSON value: decoding into one checks the value in full (every limit applies) and copies its
// bytes; encoding one writes its content verbatim after checking it. Call.RawParam gives a
// call's parameters that way, so a forwarder passes values on without building them.
//
// # Hostile input
//
// Decoding is safe on untrusted input by default: any <!DOCTYPE is rejected, so no entity is ever
// expanded; nesting is limited (DefaultMaxDepth); documents are read through a size limit
// (DefaultMaxSize) rather than loaded whole; a document holds at most DefaultMaxValues <value>
// elements, so decoding one costs a bounded multiple of its size; over-long digit strings are
// rejected. Documents that declare ISO-8859-1, Windows-1252 or another IANA encoding are
// transcoded to UTF-8.
//
// # Fast paths
//
// A few shortcuts serve the documents nearly every peer sends. Each takes only what it handles
// exactly as the general path would, falls back to the general path for everything else, and is
// checked against it by the tests named here. Building with the harp_nofastpath tag (see package
// internal/fastpath) turns them all off, so that every test runs through the general paths:
// go test -tags harp_nofastpath ./xmlrpc.
//
//   - Plain calls (DecodeCall, DecodeCallTo, Decoder.DecodeCall): a <methodCall> whose elements
//     have no attributes, prefixes, comments or self-closing tags, with white space between them,
//     a method name and <int>, <i4>, <string> or untyped parameters of plain character data (no
//     entity or character reference, CDATA, carriage return or "]"), after an optional XML
//     declaration. It is parsed with a decoder on the stack, and its first four int and string
//     parameters are kept for IntParam, StringParam and DecodeParam into *int, *int64 and
//     *string without a second pass. At the first thing it does not handle, valid or not, the
//     general parser reads the document from the start and reports any error. Checked by
//     TestFastCallAgrees and FuzzFastCall (which call both parsers directly, so they run under
//     the tag too) and TestFastPathSwitch.
//   - Scalar answers (AppendResponse and what calls it, with a result of dynamic type nil, string,
//     int, int64, int32, bool or float64): written with an encoder state on the stack. Any other
//     result, named types of those kinds included, goes through the general encoder. Checked byte
//     for byte, errors included, by TestScalarResponseAgrees (skipped under the tag, where both
//     sides take the general encoder).
//   - ASCII documents: a document of ASCII bytes alone that declares UTF-8 or no encoding skips
//     the UTF-8 and U+FFFE/U+FFFF scans, and the usual <?xml version="1.0"?> declaration (either
//     quote) skips the search for an encoding. Any other byte or declaration takes the full check.
//     Checked by TestASCIIShortcut and TestDecodeEncodings.
//
// The general parser itself first tries each fixed tag of the format (<value>, <member>, <int>...)
// as a literal and plain character data without decoding, falling back within the same code to
// the full tag and text readers; those are not switched off, and the documents with attributes,
// prefixes, comments and entities in the test tables, FuzzDecodeCall and FuzzUnmarshalResponse
// drive both branches.
package xmlrpc
