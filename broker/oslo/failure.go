package oslo

import (
	"encoding/json"
	"strconv"

	"github.com/harp-rpc/harp/rpc"
)

// Classes and modules of the failures harp writes for its faults, and reads back.
const (
	// ModuleHarp is the module of a harp fault that has no Python counterpart; its class is
	// ClassFault and its kwargs carry the fault code as "code".
	ModuleHarp = "harp"
	ClassFault = "Fault"
	// ClassNoSuchMethod in ModuleDispatcher is oslo.messaging's own unknown-method exception.
	ClassNoSuchMethod = "NoSuchMethod"
	ModuleDispatcher  = "oslo_messaging.rpc.dispatcher"
	// ClassUnsupportedVersion is oslo's answer to a call whose namespace or version no endpoint has.
	ClassUnsupportedVersion = "UnsupportedVersion"
	// ClassTypeError in ModuleBuiltins is what Python raises for arguments a method does not take.
	ClassTypeError = "TypeError"
	ModuleBuiltins = "builtins"
)

// Failure is a remote exception as oslo.messaging serializes it into a reply's failure field:
// a JSON object encoded again as a JSON string (double-encoded).
type Failure struct {
	Class     string         `json:"class"`
	Module    string         `json:"module"`
	Message   string         `json:"message"`
	Traceback []string       `json:"tb"`
	Args      []any          `json:"args"`
	Kwargs    map[string]any `json:"kwargs"`
}

// failureJSON is Failure without its methods, which encoding/json would otherwise call: it
// encodes as the JSON object itself.
type failureJSON Failure

// MarshalText returns the failure's JSON text, keys in oslo's order, spaced as Python writes it.
func (f *Failure) MarshalText() ([]byte, error) {
	g := failureJSON(*f)
	if g.Traceback == nil {
		g.Traceback = []string{}
	}
	if g.Args == nil {
		g.Args = []any{}
	}
	if g.Kwargs == nil {
		g.Kwargs = map[string]any{}
	}
	return marshalPython(nil, &g)
}

// UnmarshalText reads a failure's JSON text (the string inside the reply).
func (f *Failure) UnmarshalText(text []byte) error {
	*f = Failure{}
	if err := json.Unmarshal(text, (*failureJSON)(f)); err != nil {
		return &EnvelopeError{Msg: "failure is not a JSON object", Err: err}
	}
	return nil
}

// FailureFromFault returns the failure a harp server answers for a fault of code and message
// raised by method, mapped so that a Python caller sees the nearest oslo.messaging exception:
//
//	rpc.CodeMethodNotFound  -> oslo_messaging.rpc.dispatcher.NoSuchMethod(method)
//	rpc.CodeInvalidParams   -> builtins.TypeError(message)
//	any other code          -> harp.Fault(message), kwargs {"code": code}
//
// Python raises the first and the last as oslo_messaging.RemoteError (exc_type the class, value
// the message), and the TypeError as itself. Code reads every one of them back to its code.
func FailureFromFault(code int, message, method string) *Failure {
	f := &Failure{Message: message, Traceback: []string{"harp fault " + strconv.Itoa(code) + ": " + message + "\n"}}
	switch code {
	case rpc.CodeMethodNotFound:
		f.Class, f.Module, f.Args = ClassNoSuchMethod, ModuleDispatcher, []any{method}
	case rpc.CodeInvalidParams:
		f.Class, f.Module, f.Args = ClassTypeError, ModuleBuiltins, []any{message}
	default:
		f.Class, f.Module, f.Args = ClassFault, ModuleHarp, []any{message}
		f.Kwargs = map[string]any{"code": code}
	}
	return f
}

// Code returns the fault code f stands for: the code a harp server put in kwargs, the standard
// codes for NoSuchMethod and TypeError, and appCode for any other exception.
func (f *Failure) Code(appCode int) int {
	if f.Module == ModuleHarp {
		if c, ok := f.Kwargs["code"].(float64); ok && c == float64(int(c)) {
			return int(c)
		}
		if c, ok := f.Kwargs["code"].(int); ok {
			return c
		}
	}
	switch {
	case f.Class == ClassNoSuchMethod:
		return rpc.CodeMethodNotFound
	case f.Class == ClassTypeError && (f.Module == ModuleBuiltins || f.Module == "exceptions"):
		return rpc.CodeInvalidParams
	}
	return appCode
}

// FaultMessage returns the message a harp caller sees for f: a harp fault's own message, else
// "Class: message" as Python prints the exception.
func (f *Failure) FaultMessage() string {
	if f.Module == ModuleHarp {
		return f.Message
	}
	return f.Class + ": " + f.Message
}
