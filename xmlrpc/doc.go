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
//	int, i4, i1, i2    int       (32-bit range checked)
//	i8                 int64
//	boolean            bool      (only 0 and 1)
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
// errors; a double is written in its shortest form that reads back exactly. time.Time is written in
// UTC in the compact form 19980717T14:08:55.
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
// (DefaultMaxSize) rather than loaded whole; over-long digit strings are rejected. Documents that
// declare ISO-8859-1, Windows-1252 or another IANA encoding are transcoded to UTF-8.
package xmlrpc
