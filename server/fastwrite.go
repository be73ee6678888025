package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// fastResponse is the http.ResponseWriter of a request fastConn serves. It writes what net/http's
// would (the status line, the handler's headers, Date, Content-Length or chunked encoding,
// Content-Type sniffed from the body when the handler set none) without copying and sorting the
// handler's header map, which is what a JSON-RPC answer's one Content-Type costs under net/http.
// A body of up to fastBuffered bytes (undeclaredBuffered when the handler declared no length) is
// sent with its head in one write when the handler returns; past that, the head goes first, then
// the body as it is written: with its Content-Length when the handler declared one, chunked
// otherwise.
type fastResponse struct {
	c       *fastConn
	hdr     http.Header // nil until the handler asks for it
	ct      []string    // the Content-Type, when the server set it through setContentType
	status  int         // 0 until WriteHeader
	body    []byte      // the body held until the head is sent
	sent    bool        // the head has been sent
	declare int64       // the Content-Length the handler set, -1 for none
	badLen  bool        // the handler set a Content-Length that is no length: chunked, as net/http
	written int64       // body bytes written
	chunked bool
	err     error // the connection's first write error
}

// fastBuffered is the most a fastResponse holds before sending. Of a body whose length the
// handler did not declare it holds undeclaredBuffered, net/http's buffer: past it net/http
// sends the body chunked, and so does it. harp's own answers past 2 KiB declare their length.
const (
	fastBuffered       = 4096
	undeclaredBuffered = 2048
)

// Header returns the header map the handler sets, made on first use.
func (w *fastResponse) Header() http.Header {
	if w.hdr == nil {
		if w.c.hdr == nil {
			w.c.hdr = make(http.Header, 4)
		}
		w.hdr = w.c.hdr // the connection's, cleared for each request
	}
	return w.hdr
}

// setContentType names the answer's type without a header map, so that an answer with no
// other header costs no map (see writeResponse). Content-Type in the header map, if any, wins.
func (w *fastResponse) setContentType(ct []string) { w.ct = ct }

// WriteHeader records the status, as net/http's does: a second call is ignored, an informational
// status (1xx but 101) is sent at once with the headers set so far, and a code outside 100-999
// panics.
func (w *fastResponse) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.sendInformational(code)
		return
	}
	w.status = code
	w.declare = -1
	if v, ok := w.hdr["Content-Length"]; ok {
		// As net/http: the first value, when it is a length; present but not one, the body goes
		// chunked even when it is complete.
		if n, err := strconv.ParseInt(first(v), 10, 64); err == nil && n >= 0 {
			w.declare = n
		} else {
			w.badLen = true
		}
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// sendInformational sends an informational answer's head: its status line and the handler's
// headers but those of a body.
func (w *fastResponse) sendInformational(code int) {
	b := appendHeaders(appendStatusLine(w.c.head[:0], code), w.hdr)
	w.c.head = append(b, "\r\n"...)
	w.send(w.c.head)
}

// Write adds p to the body, as net/http's does: at most the declared length, nothing for a
// status without a body.
func (w *fastResponse) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case !bodyAllowed(w.status):
		return 0, http.ErrBodyNotAllowed
	case w.declare >= 0 && w.written+int64(len(p)) > w.declare:
		return 0, http.ErrContentLength
	case w.err != nil:
		return 0, w.err
	}
	w.written += int64(len(p))
	hold := fastBuffered
	if w.declare < 0 {
		hold = undeclaredBuffered
	}
	if !w.sent && len(w.body)+len(p) <= hold {
		w.body = append(w.body, p...)
		return len(p), nil
	}
	w.sendHead(p)
	w.sendBody(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// sendHead sends the head and the body held so far, once; what follows is chunked unless its
// length was declared. next is the body's next piece, whose first bytes also name its type when
// the held body is shorter than what net/http sniffs.
func (w *fastResponse) sendHead(next []byte) {
	if w.sent {
		return
	}
	w.sent = true
	start := w.body
	if n := sniffLen - len(start); n > 0 && len(next) > 0 {
		start = append(start[:len(start):len(start)], next[:min(n, len(next))]...)
	}
	w.c.head = w.appendHead(w.c.head[:0], start, w.declare < 0 && bodyAllowed(w.status))
	w.send(w.c.head)
	w.sendBody(w.body)
	w.body = w.body[:0]
}

// sendBody sends p, as a chunk when the body is chunked.
func (w *fastResponse) sendBody(p []byte) {
	if len(p) == 0 {
		return
	}
	if w.chunked {
		var size [20]byte
		w.send(append(strconv.AppendInt(size[:0], int64(len(p)), 16), crlf...))
	}
	w.send(p)
	if w.chunked {
		w.send(crlf)
	}
}

func (w *fastResponse) send(p []byte) {
	if w.err == nil && len(p) > 0 {
		_, w.err = w.c.wc.Write(p)
	}
}

// Flush sends what is held.
func (w *fastResponse) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.sendHead(nil)
}

// SetReadDeadline has nothing to do: fastConn serves only requests whose body it holds whole.
func (w *fastResponse) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline sets the connection's write deadline, as net/http's ResponseController does.
func (w *fastResponse) SetWriteDeadline(t time.Time) error { return w.c.wc.SetWriteDeadline(t) }

// finish completes the answer once the handler has returned: the head and the body in one write
// when the body was held whole. It reports whether the connection may serve another request.
func (w *fastResponse) finish() bool {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case !w.sent && w.badLen && bodyAllowed(w.status):
		w.sendHead(nil) // chunked
		w.send(lastChunk)
	case !w.sent:
		w.sent = true
		h := w.appendHead(w.c.head[:0], w.body, false)
		h = append(h, w.body...)
		w.c.head = h
		w.send(h)
	case w.chunked:
		w.send(lastChunk)
	}
	return w.err == nil && (w.declare < 0 || w.written == w.declare) && !w.c.closeAfter
}

var lastChunk = []byte("0\r\n\r\n")

// closing reports whether the answer ends the connection: the client or the handler asked.
func (w *fastResponse) closing() bool {
	return w.c.closeAfter || headerHas(w.hdr["Connection"], "close")
}

func headerHas(vs []string, token string) bool {
	for _, v := range vs {
		if asciiEqualFold([]byte(v), token) {
			return true
		}
	}
	return false
}

// appendHead appends the status line and headers of an answer whose body is (or starts with)
// body; stream means more of it is coming, of a length not declared, so it is chunked.
func (w *fastResponse) appendHead(b, body []byte, stream bool) []byte {
	b = appendHeaders(appendStatusLine(b, w.status), w.hdr)
	b = append(b, "Date: "...)
	b = append(b, httpDate()...)
	b = append(b, "\r\n"...)
	if w.closing() || w.c.f.isClosing() {
		if !headerHas(w.hdr["Connection"], "close") {
			b = append(b, "Connection: close\r\n"...)
		}
		w.c.closeAfter = true
	}
	if !bodyAllowed(w.status) {
		return append(b, "\r\n"...)
	}
	_, typed := w.hdr["Content-Type"]
	if !typed && len(w.ct) == 1 {
		b = append(b, "Content-Type: "...)
		b = appendFieldValue(b, w.ct[0])
		b = append(b, "\r\n"...)
		typed = true
	}
	if !typed && len(body) > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, sniff(body)...)
		b = append(b, "\r\n"...)
	}
	switch {
	case w.declare >= 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.declare, 10)
		b = append(b, "\r\n"...)
	case stream:
		w.chunked = true
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	default:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// appendHeaders appends the header lines of h but its Content-Length and Transfer-Encoding,
// which the answer's framing sets; net/http drops invalid names, and so does it.
func appendHeaders(b []byte, h http.Header) []byte {
	for k, vs := range h {
		if !tokenBytes([]byte(k)) || k == "Content-Length" || k == "Transfer-Encoding" {
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendFieldValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	return b
}

// appendFieldValue appends v with its line breaks turned to spaces and its ends trimmed, as
// net/http writes header values.
func appendFieldValue(b []byte, v string) []byte {
	start := len(b)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	trimmed := bytes.Trim(b[start:], " \t")
	n := copy(b[start:], trimmed)
	return b[:start+n]
}

// sniffLen is how much of a body net/http's DetectContentType reads.
const sniffLen = 512

// sniff names body's type as net/http's DetectContentType does; an XML document opening with
// its declaration, which every XML-RPC answer is, is named without running the detector.
func sniff(body []byte) string {
	if bytes.HasPrefix(body, xmlDeclaration) {
		return sniffedXMLType
	}
	return http.DetectContentType(body)
}

// bodyAllowed reports whether an answer with status may have a body (not 1xx, 204 or 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// statusLines are the status lines of the answers the server gives, made once.
var statusLines = func() map[int][]byte {
	m := make(map[int][]byte)
	for _, c := range []int{200, 204, 400, 401, 404, 405, 408, 413, 415, 500, 502, 503, 504} {
		m[c] = []byte("HTTP/1.1 " + strconv.Itoa(c) + " " + http.StatusText(c) + "\r\n")
	}
	return m
}()

func appendStatusLine(b []byte, code int) []byte {
	if l, ok := statusLines[code]; ok {
		return append(b, l...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	text := http.StatusText(code)
	if text == "" {
		text = "status code " + strconv.Itoa(code) // as net/http writes an unknown code
	}
	b = append(b, text...)
	return append(b, "\r\n"...)
}

// httpDate returns the Date header's value for now, remade once a second.
func httpDate() string {
	now := time.Now()
	sec := now.Unix()
	if d := cachedDate.Load(); d != nil && d.sec == sec {
		return d.text
	}
	d := &dateText{sec: sec, text: now.UTC().Format(http.TimeFormat)}
	cachedDate.Store(d)
	return d.text
}

type dateText struct {
	sec  int64
	text string
}

var cachedDate atomic.Pointer[dateText]
