package server

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"
)

// protocol is one wire format the handler serves. The handler reads and limits the body, picks the
// protocol from the request's media type (and the first non-space byte of the body, for a missing
// or generic type), and writes what serve returns. JSON-RPC joins by implementing it over the same
// registry (with its own rpc.Protocol for introspection and multicall) and being appended to
// Server.protos in New; the first protocol is the fallback for requests no protocol accepts.
type protocol interface {
	// name names the protocol in logs, as in "xmlrpc".
	name() string
	// accepts reports whether a request of media type mt (lower case, without parameters; "" when
	// absent) whose body starts with first (0 for an empty body) is for this protocol.
	accepts(mt string, first byte) bool
	// contentType is the Content-Type header of responses.
	contentType() []string
	// serve runs the call or calls in body and appends the response body to dst. An empty result
	// means there is nothing to answer (a notification) and is sent as 204.
	serve(ctx context.Context, body, dst []byte) ([]byte, callInfo)
	// fault appends an error response with code and msg to dst, for answers outside of serve.
	fault(dst []byte, code int, msg string) []byte
}

// callInfo describes a served request for logs.
type callInfo struct {
	method string // the method called, "" when the request could not be parsed
	code   int    // the fault code answered, 0 for a result
}

// pickProtocol returns the protocol a request with headers h is for: the first that accepts it, or
// the first configured one.
func pickProtocol(ps []protocol, h http.Header, body []byte) protocol {
	if len(ps) == 1 {
		return ps[0]
	}
	var ct string
	if v := h["Content-Type"]; len(v) > 0 { // the key as net/http stores it: no canonicalising
		ct = v[0]
	}
	mt := mediaType(ct)
	first := byte(0)
	for _, c := range body {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			first = c
			break
		}
	}
	for _, p := range ps {
		if p.accepts(mt, first) {
			return p
		}
	}
	return ps[0]
}

// mediaType returns the lower-cased media type of a Content-Type value, without parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// cleanMessage makes a fault message safe for any wire format: valid UTF-8, no control characters
// but tab and newline, at most maxMessage bytes.
func cleanMessage(s string) string {
	const maxMessage = 1024
	ok := len(s) <= maxMessage && utf8.ValidString(s)
	if ok {
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if b.Len() >= maxMessage {
			b.WriteString("...")
			break
		}
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xFFFE || r == 0xFFFF {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}
