package jsonrpc

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// Standard error codes of JSON-RPC 2.0 (shared with the XML-RPC fault-code convention).
// Codes from -32000 to -32099 are reserved for implementation-defined server errors; any other
// code is an application's.
const (
	CodeParseError     = -32700 // the body is not well-formed JSON, or breaks a decoding limit
	CodeInvalidRequest = -32600 // well-formed JSON that is not a valid request object
	CodeMethodNotFound = -32601 // no such method
	CodeInvalidParams  = -32602 // wrong number or types of parameters
	CodeInternalError  = -32603 // the server failed while running the method
)

// Sentinel errors. Errors returned by this package wrap them where they apply, so callers test with
// errors.Is.
var (
	// ErrTooLarge reports a document larger than DecodeOptions.MaxSize.
	ErrTooLarge = errors.New("jsonrpc: document too large")
	// ErrTooDeep reports values nested deeper than DecodeOptions.MaxDepth.
	ErrTooDeep = errors.New("jsonrpc: nesting too deep")
	// ErrBatchTooLarge reports a batch with more entries than DecodeOptions.MaxBatch.
	ErrBatchTooLarge = errors.New("jsonrpc: batch too large")
	// ErrEmptyBatch reports an empty batch ("[]"), which JSON-RPC 2.0 answers as an invalid request.
	ErrEmptyBatch = errors.New("jsonrpc: empty batch")
	// ErrDuplicateKey reports an object with the same member name twice (after unescaping). Such
	// documents are always refused: readers disagree on which member wins, which attackers exploit.
	ErrDuplicateKey = errors.New("jsonrpc: duplicate object key")
	// ErrInvalidUTF8 reports a string that is not valid UTF-8, or a \u escape naming a lone surrogate.
	ErrInvalidUTF8 = errors.New("jsonrpc: invalid UTF-8")
	// ErrInvalidRequest reports well-formed JSON that is not a valid JSON-RPC request (or, when
	// decoding responses, not a valid response). It is answered with CodeInvalidRequest.
	ErrInvalidRequest = errors.New("jsonrpc: invalid request")
)

// Error is a JSON-RPC error object: the answer of a failed call. It implements error, and has
// FaultCode and FaultString methods so that code knowing no wire format (a cluster's classifier,
// rpc.Translate) recognises it as an application answer from a working server, never a transport
// failure. Responses decoded by this package return an *Error for an error response.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	// Data is optional detail. It is written with the encoder's rules, and decoded into the natural
	// Go values (see the package documentation); nil means the member is absent.
	Data any `json:"data,omitempty"`
}

// Error returns "jsonrpc: error CODE: MESSAGE".
func (e *Error) Error() string {
	return "jsonrpc: error " + strconv.Itoa(e.Code) + ": " + e.Message
}

// FaultCode returns e.Code.
func (e *Error) FaultCode() int { return e.Code }

// FaultString returns e.Message.
func (e *Error) FaultString() string { return e.Message }

// SyntaxError describes input that is not well-formed JSON, or that is refused while being read:
// invalid UTF-8 (wrapping ErrInvalidUTF8), a duplicate key (wrapping ErrDuplicateKey).
type SyntaxError struct {
	Offset int64  // byte offset where the error was detected
	Msg    string // what was wrong
	err    error
}

// Error returns "jsonrpc: syntax error at offset N: MSG".
func (e *SyntaxError) Error() string {
	return "jsonrpc: syntax error at offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Msg
}

// Unwrap returns the sentinel behind the error, if any.
func (e *SyntaxError) Unwrap() error { return e.err }

// LimitError reports input that exceeded one of the decoder's limits. It wraps ErrTooLarge,
// ErrTooDeep or ErrBatchTooLarge where one applies.
type LimitError struct {
	What   string // "size", "depth", "batch", "number length"
	Limit  int64
	Offset int64 // byte offset where the limit was hit
	err    error
}

// Error names the limit, its value and the offset where it was hit.
func (e *LimitError) Error() string {
	return fmt.Sprintf("jsonrpc: %s limit of %d exceeded at offset %d", e.What, e.Limit, e.Offset)
}

// Unwrap returns the sentinel this limit corresponds to, if any.
func (e *LimitError) Unwrap() error { return e.err }

// RequestError reports well-formed JSON that is not a valid request or response object. It wraps
// ErrInvalidRequest (or ErrEmptyBatch).
type RequestError struct {
	Msg string
	err error
}

// Error returns "jsonrpc: invalid request: MSG".
func (e *RequestError) Error() string { return "jsonrpc: invalid request: " + e.Msg }

// Unwrap returns ErrInvalidRequest or ErrEmptyBatch.
func (e *RequestError) Unwrap() error { return e.err }

func invalidRequest(msg string) *RequestError {
	return &RequestError{Msg: msg, err: ErrInvalidRequest}
}

// UnmarshalTypeError reports a JSON value that cannot be stored in the Go value it was decoded
// into: the wrong type, or a number out of the target's range. Path locates it, as in
// "params[0].rows[3].id".
type UnmarshalTypeError struct {
	Value  string       // the JSON type ("string", "number", "object"...), or the literal for a range error
	Type   reflect.Type // the Go type it could not be assigned to
	Path   string       // where in the message
	Offset int64        // byte offset of the value within the decoded value
	Msg    string       // optional detail
}

// Error names the JSON value, the Go type and the path.
func (e *UnmarshalTypeError) Error() string {
	s := "jsonrpc: cannot unmarshal " + e.Value + " into Go value of type " + e.Type.String()
	if e.Path != "" {
		s += " at " + e.Path
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// UnknownFieldError reports an object member with no matching Go struct field while decoding with
// DecodeOptions.DisallowUnknownFields. Path locates the member, as in "params[0].user.nmae".
type UnknownFieldError struct {
	Name string
	Type reflect.Type
	Path string
}

// Error names the member, the struct type and the path.
func (e *UnknownFieldError) Error() string {
	s := "jsonrpc: unknown field " + strconv.Quote(e.Name) + " for " + e.Type.String()
	if e.Path != "" {
		s += " at " + e.Path
	}
	return s
}

// InvalidUnmarshalError reports a nil or non-pointer argument to a decoding function.
type InvalidUnmarshalError struct{ Type reflect.Type }

// Error names the argument's type.
func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "jsonrpc: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "jsonrpc: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "jsonrpc: Unmarshal(nil " + e.Type.String() + ")"
}

// UnsupportedTypeError reports a Go type the encoder cannot represent (channels, functions,
// complex numbers, maps whose keys are not strings).
type UnsupportedTypeError struct {
	Type reflect.Type
	Path string
}

// Error names the type and the path.
func (e *UnsupportedTypeError) Error() string {
	return "jsonrpc: unsupported type " + e.Type.String() + pathSuffix(e.Path)
}

// UnsupportedValueError reports a Go value the encoder cannot represent: NaN or an infinity, a
// string that is not valid UTF-8, a json.Marshaler's invalid output, a cyclic value.
type UnsupportedValueError struct {
	Value string
	Path  string
	Msg   string
}

// Error names the value, the path and the reason.
func (e *UnsupportedValueError) Error() string {
	return "jsonrpc: unsupported value " + e.Value + pathSuffix(e.Path) + ": " + e.Msg
}

func pathSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " at " + p
}

// ErrorCode returns the JSON-RPC code a server answers a decoding error with: CodeParseError for
// malformed JSON and broken limits, CodeInvalidRequest for JSON that is not a request (including
// an empty batch and a batch over the size limit), CodeInvalidParams for parameters that do not fit the method's types, the
// error's own code when it carries one (an *Error, or anything with a FaultCode() int method), and
// CodeInternalError otherwise. ErrorCode(nil) is 0.
func ErrorCode(err error) int {
	if err == nil {
		return 0
	}
	var coded interface{ FaultCode() int }
	if errors.As(err, &coded) {
		return coded.FaultCode()
	}
	var (
		se *SyntaxError
		le *LimitError
		re *RequestError
		te *UnmarshalTypeError
		ue *UnknownFieldError
	)
	switch {
	case errors.Is(err, ErrBatchTooLarge), errors.Is(err, ErrEmptyBatch):
		return CodeInvalidRequest
	case errors.As(err, &se), errors.As(err, &le):
		return CodeParseError
	case errors.As(err, &re):
		return CodeInvalidRequest
	case errors.As(err, &te), errors.As(err, &ue):
		return CodeInvalidParams
	}
	return CodeInternalError
}

// AsError converts any error into an error object: an *Error in err's chain is returned as is; an
// error with FaultCode() int (such as *xmlrpc.Fault or rpc's core errors) keeps its code and its
// FaultString() (or Error()) as the message; decoding errors get the code ErrorCode gives them
// and their message; any other error gets defaultCode and err.Error(). AsError(nil) is nil.
func AsError(err error, defaultCode int) *Error {
	if err == nil {
		return nil
	}
	var je *Error
	if errors.As(err, &je) {
		return je
	}
	var coded interface{ FaultCode() int }
	if errors.As(err, &coded) {
		msg := err.Error()
		if fs, ok := coded.(interface{ FaultString() string }); ok {
			msg = fs.FaultString()
		}
		return &Error{Code: coded.FaultCode(), Message: msg}
	}
	code := ErrorCode(err)
	if code == CodeInternalError {
		code = defaultCode
	}
	return &Error{Code: code, Message: err.Error()}
}
