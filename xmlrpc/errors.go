package xmlrpc

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// Sentinel errors. Errors returned by this package wrap them, so callers test with errors.Is.
var (
	// ErrDoctype reports a document with a <!DOCTYPE>, which is always refused so that no entity
	// is ever expanded (billion laughs, external entities).
	ErrDoctype = errors.New("xmlrpc: DOCTYPE is not allowed")
	// ErrTooLarge reports a document larger than the decoder's size limit.
	ErrTooLarge = errors.New("xmlrpc: document too large")
	// ErrTooDeep reports values nested deeper than the decoder's depth limit.
	ErrTooDeep = errors.New("xmlrpc: nesting too deep")
	// ErrNilRefused reports a nil value while encoding with nil disallowed (SetAllowNil(false)).
	ErrNilRefused = errors.New("xmlrpc: nil is not allowed by this encoder")
	// ErrNotFault reports a fault body that is not a struct of exactly faultCode (int) and
	// faultString (string).
	ErrNotFault = errors.New("xmlrpc: malformed fault")
	// ErrInvalid reports a well-formed XML document that is not valid XML-RPC: the wrong root or
	// elements, an unknown type, a value that cannot be what its tag says. Servers answer it with
	// CodeInvalidRequest; XML that is not well-formed is a plain *SyntaxError (CodeParseError).
	ErrInvalid = errors.New("xmlrpc: not valid XML-RPC")
)

// SyntaxError describes XML that is not well-formed, or (wrapping ErrInvalid) well-formed XML
// that is not a valid XML-RPC document. A refused DOCTYPE wraps ErrDoctype.
type SyntaxError struct {
	Offset int64  // byte offset in the (UTF-8) document where the error was detected
	Msg    string // what was wrong
	err    error
}

func (e *SyntaxError) Error() string {
	return "xmlrpc: syntax error at offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Msg
}

// Unwrap returns ErrInvalid or ErrDoctype where one applies.
func (e *SyntaxError) Unwrap() error { return e.err }

// LimitError reports input that exceeded one of the decoder's limits. It wraps ErrTooLarge or
// ErrTooDeep where one applies.
type LimitError struct {
	What  string // "size", "depth", "digits", "members", ...
	Limit int64
	err   error
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("xmlrpc: %s limit of %d exceeded", e.What, e.Limit)
}

// Unwrap returns the sentinel this limit corresponds to, if any.
func (e *LimitError) Unwrap() error { return e.err }

// UnmarshalTypeError reports an XML-RPC value that cannot be stored in the Go value it was decoded
// into: the wrong type, or a number out of the target's range. Path locates it, as in
// "params[0].rows[3].id".
type UnmarshalTypeError struct {
	Value  string       // the XML-RPC type, e.g. "i8", "string"; or the text for a range error
	Type   reflect.Type // the Go type it could not be assigned to
	Path   string       // where in the document, e.g. "params[1].items[3].id"
	Offset int64        // byte offset of the value
	Msg    string       // optional detail
}

func (e *UnmarshalTypeError) Error() string {
	s := "xmlrpc: cannot unmarshal " + e.Value + " into Go value of type " + e.Type.String()
	if e.Path != "" {
		s += " at " + e.Path
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// UnknownMemberError reports a struct member with no matching Go field while decoding with
// DisallowUnknownFields.
type UnknownMemberError struct {
	Name string
	Type reflect.Type
	Path string
}

func (e *UnknownMemberError) Error() string {
	return "xmlrpc: unknown member " + strconv.Quote(e.Name) + " for " + e.Type.String() + " at " + e.Path
}

// InvalidUnmarshalError reports a nil or non-pointer argument to Unmarshal or Decode.
type InvalidUnmarshalError struct{ Type reflect.Type }

func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "xmlrpc: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "xmlrpc: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "xmlrpc: Unmarshal(nil " + e.Type.String() + ")"
}

// UnsupportedTypeError reports a Go type the encoder cannot represent (channels, functions,
// complex numbers, maps with non-string keys).
type UnsupportedTypeError struct {
	Type reflect.Type
	Path string
}

func (e *UnsupportedTypeError) Error() string {
	return "xmlrpc: unsupported type " + e.Type.String() + pathSuffix(e.Path)
}

// UnsupportedValueError reports a Go value the encoder cannot represent: NaN or an infinity, a
// uint64 above MaxInt64, a string that is not valid UTF-8 or holds a character XML cannot carry, a
// time outside years 0-9999, or nil where nil is refused.
type UnsupportedValueError struct {
	Value string
	Path  string
	Msg   string
	err   error
}

func (e *UnsupportedValueError) Error() string {
	return "xmlrpc: unsupported value " + e.Value + pathSuffix(e.Path) + ": " + e.Msg
}

// Unwrap returns the sentinel behind the error, if any (ErrNilRefused).
func (e *UnsupportedValueError) Unwrap() error { return e.err }

func pathSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " at " + p
}
