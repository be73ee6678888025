package xmlrpc

import "strconv"

// Fault is an XML-RPC fault: the remote procedure's error, carried in a <fault> response. It
// implements error; UnmarshalResponse and Decoder.DecodeResponse return a *Fault when the response
// is one, so callers tell a remote fault from a transport or decoding failure with errors.As.
type Fault struct {
	Code   int    `xmlrpc:"faultCode"`
	String string `xmlrpc:"faultString"`
}

// Error returns the fault in the form "xmlrpc: fault CODE: STRING".
func (f *Fault) Error() string {
	return "xmlrpc: fault " + strconv.Itoa(f.Code) + ": " + f.String
}

// Standard fault codes of the XML-RPC fault-code interoperability convention, shared with
// JSON-RPC 2.0.
const (
	CodeParseError     = -32700 // the document is not well-formed
	CodeInvalidRequest = -32600 // well-formed, but not a valid XML-RPC request
	CodeMethodNotFound = -32601 // no such method
	CodeInvalidParams  = -32602 // wrong number or types of parameters
	CodeInternalError  = -32603 // the server failed while running the method
)

// FaultCode returns f.Code. Together with FaultString it lets code that knows no wire format (the
// cluster's error classifier, say) recognise an application-level answer: a fault is a healthy reply
// from a working server, never a transport failure.
func (f *Fault) FaultCode() int { return f.Code }

// FaultString returns f.String.
func (f *Fault) FaultString() string { return f.String }
