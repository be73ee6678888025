package jsonrpc

import (
	"bytes"
	"strconv"
)

// Version is the JSON-RPC version of a message. The zero value is Version2.
type Version uint8

const (
	// Version2 is JSON-RPC 2.0: "jsonrpc": "2.0" in every message, notifications without an id,
	// responses with either result or error.
	Version2 Version = iota
	// Version1 is JSON-RPC 1.0, as jsonrpclib (in 1.0 mode) and Go's net/rpc/jsonrpc speak it: no
	// "jsonrpc" member, params an array, a null id for a notification, responses with both result
	// and error, one of them null.
	Version1
)

// String returns "2.0" or "1.0".
func (v Version) String() string {
	if v == Version1 {
		return "1.0"
	}
	return "2.0"
}

// ID is a request id as it appears on the wire: a string, a number or null, kept as its exact JSON
// text so it is echoed unchanged (a number keeps every digit, a string its escapes). The zero ID
// is absent: a request without one is a notification.
//
// An ID decoded from a message refers to the message's bytes.
type ID struct{ raw []byte }

var nullRaw = []byte("null")

// NullID returns the null id.
func NullID() ID { return ID{raw: nullRaw} }

// IntID returns the number id n.
func IntID(n int64) ID { return ID{raw: strconv.AppendInt(nil, n, 10)} }

// StringID returns the string id s. Invalid UTF-8 in s is replaced with U+FFFD.
func StringID(s string) ID {
	b := append([]byte(nil), '"')
	b, _ = appendStringBody(b, s)
	return ID{raw: append(b, '"')}
}

// IsAbsent reports whether the id is absent, as in a notification.
func (id ID) IsAbsent() bool { return len(id.raw) == 0 }

// IsNull reports whether the id is null.
func (id ID) IsNull() bool { return string(id.raw) == "null" }

// Raw returns the id's JSON text ("7", "\"a\"", "null"), or nil when it is absent. It must not be
// modified.
func (id ID) Raw() []byte { return id.raw }

// String returns the id's JSON text, or "" when it is absent.
func (id ID) String() string { return string(id.raw) }

// Int64 returns the id's value when it is a number holding an integer that fits an int64.
func (id ID) Int64() (int64, bool) {
	if len(id.raw) == 0 || id.raw[0] == '"' || id.raw[0] == 'n' {
		return 0, false
	}
	return parseInt(id.raw)
}

// Equal reports whether two ids are the same: the same JSON text, or strings that unescape to the
// same text.
func (id ID) Equal(other ID) bool {
	if bytes.Equal(id.raw, other.raw) {
		return true
	}
	if len(id.raw) < 2 || len(other.raw) < 2 || id.raw[0] != '"' || other.raw[0] != '"' {
		return false
	}
	return bytes.Equal(unescape(nil, id.raw[1:len(id.raw)-1]), unescape(nil, other.raw[1:len(other.raw)-1]))
}

// key returns a form of the id for maps under which Equal ids are equal.
func (id ID) key() string {
	if len(id.raw) >= 2 && id.raw[0] == '"' {
		return string(unescape([]byte{'"'}, id.raw[1:len(id.raw)-1]))
	}
	return string(id.raw)
}

// ParseID returns the ID whose JSON text is raw, which must be a string, a number or null.
func ParseID(raw []byte) (ID, error) {
	if err := validate(raw, 1); err != nil {
		return ID{}, err
	}
	s := scanner{data: raw}
	switch s.peek() {
	case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		start := s.pos
		_ = s.value()
		return ID{raw: append([]byte(nil), raw[start:s.pos]...)}, nil
	}
	return ID{}, invalidRequest("an id must be a string, a number or null")
}
