package natsrpc

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/rpc"
)

// Header names of a request message. The body is the protocol document itself.
const (
	// ProtocolHeader names the wire format of the body, "xmlrpc" or "jsonrpc".
	ProtocolHeader = "Harp-Protocol"
	// MethodHeader names the method called, for logs and routing.
	MethodHeader = "Harp-Method"
	// ContextHeader carries the request context, a JSON object.
	ContextHeader = "Harp-Context"
	// ErrorHeader, on a dead letter, says why it was dead-lettered.
	ErrorHeader = "Harp-Error"
	// DeliveriesHeader, on a dead letter, counts its deliveries.
	DeliveriesHeader = "Harp-Deliveries"
	// SubjectHeader, on a dead letter, is the subject it was sent to.
	SubjectHeader = "Harp-Subject"
)

// header encodes m's labels into a new header (a message nats.go may keep or change, as
// JetStream's publish does).
func (t *Transport) header(m *broker.Message) (nats.Header, error) {
	h := make(nats.Header, 5)
	if err := t.fillHeader(h, make([]string, 0, 5), m); err != nil {
		return nil, err
	}
	return h, nil
}

// fillHeader encodes m's labels into h, an empty header; the deadline and request id under
// rpc's header names. The values are slices of vals's backing array (room for five saves
// allocations), and the protocol's is a constant: a call costs few allocations.
func (t *Transport) fillHeader(h nats.Header, vals []string, m *broker.Message) error {
	set := func(k, v string) {
		vals = append(vals, v)
		h[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	switch m.Protocol {
	case "xmlrpc":
		h[ProtocolHeader] = protocolXML
	case "jsonrpc":
		h[ProtocolHeader] = protocolJSON
	default:
		set(ProtocolHeader, m.Protocol)
	}
	if m.Method != "" {
		set(MethodHeader, m.Method)
	}
	if m.Timeout > 0 {
		set(rpc.TimeoutHeader, t.timeoutText(m.Timeout))
	}
	if m.RequestID != "" && rpc.ValidRequestID(m.RequestID) {
		set(rpc.RequestIDHeader, m.RequestID)
	}
	if len(m.Context) > 0 {
		b, err := json.Marshal(m.Context)
		if err != nil {
			return fmt.Errorf("request context: %w", err)
		}
		if len(b) > t.cfg.MaxContextSize {
			return fmt.Errorf("request context of %d bytes over the limit of %d", len(b), t.cfg.MaxContextSize)
		}
		set(ContextHeader, string(b))
	}
	return nil
}

// timeoutText is rpc.FormatTimeout(d), kept for the last whole number of milliseconds asked
// for: a client's own timeout (the bound of every call made without an earlier deadline) is
// formatted once, not per call; the time left before a context's deadline, never round, is
// formatted each time.
func (t *Transport) timeoutText(d time.Duration) string {
	if last := t.lastTimeout.Load(); last != nil && last.d == d {
		return last.s
	}
	s := rpc.FormatTimeout(d)
	if d%time.Millisecond == 0 {
		t.lastTimeout.Store(&formattedTimeout{d, s})
	}
	return s
}

// formattedTimeout is a duration and its rpc.FormatTimeout.
type formattedTimeout struct {
	d time.Duration
	s string
}

// outMsg is a request's NATS message with room for its header's values, reused from call to
// call: nats.go reads the message and its header only while it publishes, copying both.
type outMsg struct {
	msg  nats.Msg
	vals [5]string
}

var outMsgs = sync.Pool{New: func() any { return &outMsg{msg: nats.Msg{Header: make(nats.Header, 5)}} }}

// getOutMsg returns a reused message of m on subject; putOutMsg it once published.
func (t *Transport) getOutMsg(subject string, m *broker.Message) (*outMsg, error) {
	o := outMsgs.Get().(*outMsg)
	o.msg.Subject, o.msg.Data = subject, m.Body
	if err := t.fillHeader(o.msg.Header, o.vals[:0], m); err != nil {
		putOutMsg(o)
		return nil, err
	}
	return o, nil
}

// putOutMsg empties o, so it holds nothing of its call, and keeps it for the next.
func putOutMsg(o *outMsg) {
	clear(o.msg.Header)
	o.vals = [5]string{}
	o.msg.Subject, o.msg.Data = "", nil
	outMsgs.Put(o)
}

// The protocol header's values; nats.go only reads them.
var (
	protocolXML  = []string{"xmlrpc"}
	protocolJSON = []string{"jsonrpc"}
)

// message decodes what header encoded; a malformed label is dropped rather than refused, so
// the serving core still answers: a bad timeout means none, a bad or oversized context (which
// a harp sender never sends) an empty one.
func (t *Transport) message(h nats.Header, body []byte) broker.Message {
	m := broker.Message{Body: body}
	if h == nil {
		return m
	}
	m.Protocol = h.Get(ProtocolHeader)
	m.Method = h.Get(MethodHeader)
	if v := h.Get(rpc.TimeoutHeader); v != "" {
		if d, err := rpc.ParseTimeout(v); err == nil {
			m.Timeout = d
		}
	}
	if v := h.Get(rpc.RequestIDHeader); rpc.ValidRequestID(v) {
		m.RequestID = v
	}
	if v := h.Get(ContextHeader); v != "" && len(v) <= t.cfg.MaxContextSize {
		var rc broker.RequestContext
		if err := json.Unmarshal([]byte(v), &rc); err == nil {
			m.Context = rc
		}
	}
	return m
}
