package oslo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// EnvelopeVersion is the oslo.messaging envelope version harp writes, and the newest it reads:
// a message of the same major version and a minor version no greater is read, anything else is
// refused with an *EnvelopeError.
const EnvelopeVersion = "2.0"

// Keys of the envelope and of the messages inside it, as oslo.messaging names them.
const (
	keyVersion   = "oslo.version"
	keyMessage   = "oslo.message"
	keyMsgID     = "_msg_id"
	keyReplyQ    = "_reply_q"
	keyTimeout   = "_timeout"
	keyUniqueID  = "_unique_id"
	contextPrefx = "_context_"
)

// Request is one call or cast as oslo.messaging writes it inside the envelope. A call has MsgID
// and ReplyQueue; a cast has neither.
type Request struct {
	// Method is the endpoint method called.
	Method string
	// Args is the JSON object of keyword arguments; nil or empty means none ({}).
	Args json.RawMessage
	// Namespace and Version are the target's, written only when set.
	Namespace string
	Version   string
	// MsgID correlates the reply with the call (32 hex digits); "" for a cast.
	MsgID string
	// ReplyQueue is the queue the reply goes to through the default exchange.
	ReplyQueue string
	// MonitorTimeout is _timeout: the call-monitor timeout in seconds, or 0 for null (no heartbeats).
	MonitorTimeout int
	// UniqueID identifies the message for duplicate detection.
	UniqueID string
	// Context is the request context, written as one _context_<key> per item (sorted by key).
	Context map[string]any
}

// IsCall reports whether r expects a reply.
func (r *Request) IsCall() bool { return r.MsgID != "" }

// Reply is one answer to a call: the final one (Ending) or a call-monitor heartbeat.
type Reply struct {
	// Result is the method's JSON result; nil means null.
	Result json.RawMessage
	// Failure is the remote exception, or nil.
	Failure *Failure
	// Ending is false for a heartbeat, true for the answer.
	Ending bool
	// MsgID is the call's _msg_id; UniqueID the reply's own.
	MsgID    string
	UniqueID string
}

// AppendRequest appends r's envelope, the body of its AMQP message, to dst.
func AppendRequest(dst []byte, r *Request) ([]byte, error) {
	var m []byte
	m = append(m, `{"method": `...)
	m = appendPyString(m, r.Method)
	m = append(m, `, "args": `...)
	if len(bytes.TrimSpace(r.Args)) == 0 {
		m = append(m, "{}"...)
	} else {
		if !json.Valid(r.Args) || bytes.TrimSpace(r.Args)[0] != '{' {
			return dst, fmt.Errorf("oslo: args of %s: not a JSON object", r.Method)
		}
		m = appendPython(m, r.Args)
	}
	if r.Namespace != "" {
		m = appendPyString(append(m, `, "namespace": `...), r.Namespace)
	}
	if r.Version != "" {
		m = appendPyString(append(m, `, "version": `...), r.Version)
	}
	if r.IsCall() {
		m = appendPyString(append(m, `, "_msg_id": `...), r.MsgID)
		m = appendPyString(append(m, `, "_reply_q": `...), r.ReplyQueue)
		m = append(m, `, "_timeout": `...)
		if r.MonitorTimeout > 0 {
			m = strconv.AppendInt(m, int64(r.MonitorTimeout), 10)
		} else {
			m = append(m, "null"...)
		}
	}
	m = appendPyString(append(m, `, "_unique_id": `...), r.UniqueID)
	for _, k := range slices.Sorted(maps.Keys(r.Context)) {
		m = appendPyString(append(m, ", "...), contextPrefx+k)
		var err error
		if m, err = marshalPython(append(m, ": "...), r.Context[k]); err != nil {
			return dst, fmt.Errorf("oslo: context %q: %w", k, err)
		}
	}
	return appendEnvelope(dst, append(m, '}')), nil
}

// AppendReply appends r's envelope to dst.
func AppendReply(dst []byte, r *Reply) ([]byte, error) {
	var m []byte
	m = append(m, `{"result": `...)
	if len(bytes.TrimSpace(r.Result)) == 0 {
		m = append(m, "null"...)
	} else {
		if !json.Valid(r.Result) {
			return dst, fmt.Errorf("oslo: reply to %s: result is not JSON", r.MsgID)
		}
		m = appendPython(m, r.Result)
	}
	m = append(m, `, "failure": `...)
	if r.Failure == nil {
		m = append(m, "null"...)
	} else {
		f, err := r.Failure.MarshalText()
		if err != nil {
			return dst, err
		}
		m = appendPyString(m, string(f))
	}
	m = append(m, `, "ending": `...)
	m = strconv.AppendBool(m, r.Ending)
	m = appendPyString(append(m, `, "_msg_id": `...), r.MsgID)
	m = appendPyString(append(m, `, "_unique_id": `...), r.UniqueID)
	return appendEnvelope(dst, append(m, '}')), nil
}

// appendEnvelope wraps the message text m (ASCII, Python-spaced) in the 2.0 envelope.
func appendEnvelope(dst, m []byte) []byte {
	dst = append(dst, `{"oslo.version": "2.0", "oslo.message": `...)
	dst = appendPyString(dst, string(m))
	return append(dst, '}')
}

// openEnvelope returns the fields of the message inside body: the 2.0 envelope's oslo.message,
// or body itself when it is a bare (1.0) message without the envelope keys.
func openEnvelope(body []byte) (map[string]json.RawMessage, error) {
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(body, &outer); err != nil {
		return nil, &EnvelopeError{Msg: "body is not a JSON object", Err: err}
	}
	rawV, okV := outer[keyVersion]
	rawM, okM := outer[keyMessage]
	if !okV || !okM {
		return outer, nil
	}
	var v, text string
	if err := json.Unmarshal(rawV, &v); err != nil {
		return nil, &EnvelopeError{Msg: "oslo.version is not a string", Err: err}
	}
	if !compatible(v) {
		return nil, &EnvelopeError{Msg: "unsupported envelope version " + strconv.Quote(v)}
	}
	if err := json.Unmarshal(rawM, &text); err != nil {
		return nil, &EnvelopeError{Msg: "oslo.message is not a string", Err: err}
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &inner); err != nil {
		return nil, &EnvelopeError{Msg: "oslo.message is not a JSON object", Err: err}
	}
	return inner, nil
}

// compatible reports whether envelope version v is readable as 2.0: same major, minor <= 0.
func compatible(v string) bool { return versionServes(EnvelopeVersion, v) && v != "" }

// ParseRequest reads a call or cast from an AMQP message body.
func ParseRequest(body []byte) (*Request, error) {
	m, err := openEnvelope(body)
	if err != nil {
		return nil, err
	}
	r := &Request{}
	if err := strField(m, "method", &r.Method); err != nil || r.Method == "" {
		return nil, &EnvelopeError{Msg: "request without a method", Err: err}
	}
	if a, ok := m["args"]; ok && string(a) != "null" {
		if len(a) == 0 || a[0] != '{' {
			return nil, &EnvelopeError{Msg: "args of " + r.Method + " is not an object"}
		}
		r.Args = a
	}
	for _, f := range []struct {
		k string
		p *string
	}{{"namespace", &r.Namespace}, {"version", &r.Version}, {keyMsgID, &r.MsgID},
		{keyReplyQ, &r.ReplyQueue}, {keyUniqueID, &r.UniqueID}} {
		if err := strField(m, f.k, f.p); err != nil {
			return nil, err
		}
	}
	if t, ok := m[keyTimeout]; ok && string(t) != "null" {
		var secs float64
		if err := json.Unmarshal(t, &secs); err != nil {
			return nil, &EnvelopeError{Msg: "_timeout is not a number", Err: err}
		}
		r.MonitorTimeout = int(secs)
	}
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, contextPrefx); ok {
			if r.Context == nil {
				r.Context = make(map[string]any)
			}
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				return nil, &EnvelopeError{Msg: "context " + name, Err: err}
			}
			r.Context[name] = x
		}
	}
	if r.MsgID != "" && r.ReplyQueue == "" {
		return nil, &EnvelopeError{Msg: "call " + r.MsgID + " without a reply queue"}
	}
	return r, nil
}

// ParseReply reads a reply from an AMQP message body.
func ParseReply(body []byte) (*Reply, error) {
	m, err := openEnvelope(body)
	if err != nil {
		return nil, err
	}
	r := &Reply{Ending: true}
	if res, ok := m["result"]; ok && string(res) != "null" {
		r.Result = res
	}
	if e, ok := m["ending"]; ok {
		if err := json.Unmarshal(e, &r.Ending); err != nil {
			return nil, &EnvelopeError{Msg: "ending is not a boolean", Err: err}
		}
	}
	if err := strField(m, keyMsgID, &r.MsgID); err != nil {
		return nil, err
	}
	if err := strField(m, keyUniqueID, &r.UniqueID); err != nil {
		return nil, err
	}
	if f, ok := m["failure"]; ok && string(f) != "null" {
		var text string
		if err := json.Unmarshal(f, &text); err != nil {
			return nil, &EnvelopeError{Msg: "failure is not a string", Err: err}
		}
		r.Failure = &Failure{}
		if err := r.Failure.UnmarshalText([]byte(text)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// strField stores the string field k of m in p; a missing or null field leaves p alone.
func strField(m map[string]json.RawMessage, k string, p *string) error {
	v, ok := m[k]
	if !ok || string(v) == "null" {
		return nil
	}
	if err := json.Unmarshal(v, p); err != nil {
		return &EnvelopeError{Msg: k + " is not a string", Err: err}
	}
	return nil
}
