package gateway

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Codes of the answers the gateway writes itself, in the implementation-defined server-error
// range of the interoperability convention (-32099..-32000).
const (
	CodeOverload    = -32000 // the pool has MaxInFlight calls in flight; sent with 503
	CodeUnavailable = -32001 // no backend could be reached; the call was not sent (503)
	CodeBadGateway  = -32002 // a backend failed after the call may have reached it (502)
	CodeTimeout     = -32003 // the call's deadline passed before an answer (504)
	CodeNoRoute     = -32601 // no route takes the method: method not found
)

const (
	xmlType  = "text/xml; charset=utf-8"
	jsonType = "application/json"
)

// gatewayError is an answer the gateway writes itself: an HTTP status and the fault (or error
// object) in the caller's protocol.
type gatewayError struct {
	status     int
	code       int
	msg        string
	retryAfter time.Duration
}

// writeError answers e in proto; for JSON-RPC, ids are the ids of the requests it answers (one
// error object each, an array when batch), or a null id when there are none.
func writeError(w http.ResponseWriter, proto string, e gatewayError, ids []jsonrpc.ID, batch bool) {
	h := w.Header()
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	var body []byte
	if proto == "jsonrpc" {
		h.Set("Content-Type", jsonType)
		body = jsonErrors(e.code, e.msg, ids, batch)
	} else {
		h.Set("Content-Type", xmlType)
		body, _ = xmlrpc.MarshalFault(&xmlrpc.Fault{Code: e.code, String: e.msg})
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	w.Write(body)
}

// jsonErrors encodes one error object per id (an array when batch), or one with a null id.
func jsonErrors(code int, msg string, ids []jsonrpc.ID, batch bool) []byte {
	var enc jsonrpc.EncodeOptions
	obj := &jsonrpc.Error{Code: code, Message: msg}
	if !batch {
		var req *jsonrpc.Request
		if len(ids) > 0 {
			req = &jsonrpc.Request{Version: 2, ID: ids[0]}
		}
		return enc.AppendError(nil, req, obj)
	}
	out := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			out = append(out, ',')
		}
		out = enc.AppendError(out, &jsonrpc.Request{Version: 2, ID: id}, obj)
	}
	return append(out, ']')
}

// isFault reports whether an answer body is a fault (XML-RPC) or holds an error object
// (JSON-RPC), reading no more of it than it must: the first element after <methodResponse>, or
// the top-level members of each response object.
func isFault(proto string, body []byte) bool {
	if proto == "jsonrpc" {
		return jsonHasError(body)
	}
	i := bytes.Index(body, []byte("<methodResponse"))
	if i < 0 {
		return false
	}
	rest := body[i+len("<methodResponse"):]
	if j := bytes.IndexByte(rest, '>'); j >= 0 {
		rest = rest[j+1:]
	}
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if !bytes.HasPrefix(rest, []byte("<!--")) {
			break
		}
		j := bytes.Index(rest, []byte("-->"))
		if j < 0 {
			return false
		}
		rest = rest[j+3:]
	}
	return bytes.HasPrefix(rest, []byte("<fault"))
}

// jsonHasError reports whether a JSON-RPC answer (an object or an array of them) has an "error"
// member that is not null at the top level of some response.
func jsonHasError(b []byte) bool {
	s := jscan{b: b}
	s.ws()
	if s.peek() == '[' {
		s.i++
		for {
			s.ws()
			if s.peek() != '{' {
				return false
			}
			if s.object() {
				return true
			}
			s.ws()
			if s.peek() != ',' {
				return false
			}
			s.i++
		}
	}
	return s.peek() == '{' && s.object()
}

// jscan is a minimal scanner over a JSON answer, enough to find top-level members.
type jscan struct {
	b []byte
	i int
}

func (s *jscan) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jscan) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// object reads one object at s.i and reports whether it has a non-null "error" member.
func (s *jscan) object() bool {
	s.i++ // '{'
	found := false
	for s.i < len(s.b) {
		s.ws()
		if s.peek() == '}' {
			s.i++
			return found
		}
		if s.peek() != '"' {
			return found
		}
		start := s.i
		s.str()
		key := s.b[start:s.i]
		s.ws()
		if s.peek() != ':' {
			return found
		}
		s.i++
		s.ws()
		vstart := s.i
		s.value()
		if string(key) == `"error"` && !bytes.Equal(bytes.TrimSpace(s.b[vstart:s.i]), []byte("null")) {
			found = true
		}
		s.ws()
		if s.peek() == ',' {
			s.i++
		}
	}
	return found
}

func (s *jscan) str() {
	s.i++ // '"'
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return
		}
		s.i++
	}
}

// value skips one value: a string, a nested object or array (strings inside honoured), or a
// literal.
func (s *jscan) value() {
	switch s.peek() {
	case '"':
		s.str()
		return
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return
				}
			}
			s.i++
		}
		return
	}
	for s.i < len(s.b) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(s.b[s.i])) {
		s.i++
	}
}
