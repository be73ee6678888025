package supervisord

import (
	"errors"
	"fmt"
	"strings"

	"github.com/harp-rpc/harp/xmlrpc"
)

// FaultCode is one of supervisord's fault codes (supervisor/xmlrpc.py, class Faults). It is an
// error itself, so that errors.Is(err, supervisord.BadName) is true exactly when err is, or wraps,
// a *Fault with that code.
type FaultCode int

// The fault codes supervisord answers with.
const (
	UnknownMethod        FaultCode = 1
	IncorrectParameters  FaultCode = 2
	BadArguments         FaultCode = 3
	SignatureUnsupported FaultCode = 4
	ShutdownState        FaultCode = 6
	BadName              FaultCode = 10
	BadSignal            FaultCode = 11
	NoFile               FaultCode = 20
	NotExecutable        FaultCode = 21
	Failed               FaultCode = 30
	AbnormalTermination  FaultCode = 40
	SpawnError           FaultCode = 50
	AlreadyStarted       FaultCode = 60
	NotRunning           FaultCode = 70
	Success              FaultCode = 80
	AlreadyAdded         FaultCode = 90
	StillRunning         FaultCode = 91
	CantReread           FaultCode = 92
)

var faultNames = map[FaultCode]string{
	UnknownMethod: "UNKNOWN_METHOD", IncorrectParameters: "INCORRECT_PARAMETERS",
	BadArguments: "BAD_ARGUMENTS", SignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	ShutdownState: "SHUTDOWN_STATE", BadName: "BAD_NAME", BadSignal: "BAD_SIGNAL",
	NoFile: "NO_FILE", NotExecutable: "NOT_EXECUTABLE", Failed: "FAILED",
	AbnormalTermination: "ABNORMAL_TERMINATION", SpawnError: "SPAWN_ERROR",
	AlreadyStarted: "ALREADY_STARTED", NotRunning: "NOT_RUNNING", Success: "SUCCESS",
	AlreadyAdded: "ALREADY_ADDED", StillRunning: "STILL_RUNNING", CantReread: "CANT_REREAD",
}

// String returns supervisord's name of the code, as BAD_NAME, or FAULT_<n> for a code it does not
// define.
func (c FaultCode) String() string {
	if n, ok := faultNames[c]; ok {
		return n
	}
	return fmt.Sprintf("FAULT_%d", int(c))
}

// Error returns "supervisord: " and the code's name, so a FaultCode can be an errors.Is target.
func (c FaultCode) Error() string { return "supervisord: " + c.String() }

// Fault is a fault supervisord answered: the server worked and said no. Code is the fault code,
// Detail what supervisord said after the code's name ("BAD_NAME: web" has the Detail "web"),
// and Method the method that was called. errors.Is(f, code) compares codes; errors.As to an
// *xmlrpc.Fault gives the fault as it came on the wire, so code that only knows xmlrpc still
// tells a fault from a transport failure.
type Fault struct {
	Method string
	Code   FaultCode
	Detail string
	wire   *xmlrpc.Fault
}

// Error returns "supervisord: METHOD: NAME: detail".
func (f *Fault) Error() string {
	s := "supervisord: "
	if f.Method != "" {
		s += f.Method + ": "
	}
	s += f.Code.String()
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

// Is reports whether target is f's FaultCode.
func (f *Fault) Is(target error) bool {
	c, ok := target.(FaultCode)
	return ok && c == f.Code
}

// Unwrap returns the wire fault: the *xmlrpc.Fault supervisord sent, or for a Fault made from a
// per-process status (ProcessResult.Err) one with the same code and string.
func (f *Fault) Unwrap() error {
	if f.wire != nil {
		return f.wire
	}
	return &xmlrpc.Fault{Code: int(f.Code), String: f.FaultString()}
}

// FaultCode returns the numeric code, as xmlrpc.Fault's method does.
func (f *Fault) FaultCode() int { return int(f.Code) }

// FaultString returns the fault string as supervisord sent it.
func (f *Fault) FaultString() string {
	if f.wire != nil {
		return f.wire.String
	}
	if f.Detail == "" {
		return f.Code.String()
	}
	return f.Code.String() + ": " + f.Detail
}

// newFault turns a wire fault into a *Fault for method.
func newFault(method string, wf *xmlrpc.Fault) *Fault {
	code := FaultCode(wf.Code)
	detail := wf.String
	if rest, ok := strings.CutPrefix(detail, code.String()); ok {
		detail = strings.TrimPrefix(strings.TrimPrefix(rest, ":"), " ")
	}
	return &Fault{Method: method, Code: code, Detail: detail, wire: wf}
}

// asFault converts err into a *Fault when it is a wire fault and wraps anything else with the
// method's name, keeping its chain (a *client.TransportError stays one for errors.As).
func asFault(method string, err error) error {
	if err == nil {
		return nil
	}
	var wf *xmlrpc.Fault
	if errors.As(err, &wf) {
		return newFault(method, wf)
	}
	if strings.Contains(err.Error(), method) { // the client's errors name the method already
		return fmt.Errorf("supervisord: %w", err)
	}
	return fmt.Errorf("supervisord: %s: %w", method, err)
}

// IsFault reports whether err is, or wraps, a fault supervisord answered (rather than a failure
// to reach it or to read its answer).
func IsFault(err error) bool {
	var f *Fault
	return errors.As(err, &f)
}
