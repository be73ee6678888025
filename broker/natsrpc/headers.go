package natsrpc

import (
	"encoding/json"
	"fmt"

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

// header encodes m's labels; the deadline and request id under rpc's header names. The values
// share one backing array, and the protocol's is a constant: a call costs few allocations.
func (t *Transport) header(m *broker.Message) (nats.Header, error) {
	vals := make([]string, 0, 5)
	h := make(nats.Header, 5)
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
		set(rpc.TimeoutHeader, rpc.FormatTimeout(m.Timeout))
	}
	if m.RequestID != "" && rpc.ValidRequestID(m.RequestID) {
		set(rpc.RequestIDHeader, m.RequestID)
	}
	if len(m.Context) > 0 {
		b, err := json.Marshal(m.Context)
		if err != nil {
			return nil, fmt.Errorf("request context: %w", err)
		}
		if len(b) > t.cfg.MaxContextSize {
			return nil, fmt.Errorf("request context of %d bytes over the limit of %d", len(b), t.cfg.MaxContextSize)
		}
		set(ContextHeader, string(b))
	}
	return h, nil
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
