package server

import (
	"bytes"
	"compress/gzip"
	"github.com/harp-rpc/harp/internal/fastpath"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

var (
	gzipHeader  = []string{"gzip"}
	varyHeader  = []string{"Accept-Encoding"}
	plainHeader = []string{"text/plain; charset=utf-8"}
	noSniff     = []string{"nosniff"}
)

// gzipWriters pools writers at BestSpeed: RPC responses are small and latency matters more than
// the last percent of size.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// writeResponse sends body with its Content-Length, compressed when it is over the threshold and
// the client accepts gzip.
func (s *Server) writeResponse(w http.ResponseWriter, r *http.Request, ct []string, body []byte) {
	if fastpath.Enabled && len(body) <= autoLengthMax && (s.cfg.GzipThreshold < 0 || len(body) <= s.cfg.GzipThreshold) && sniffedRight(ct, body) {
		// Nothing to add to the headers: leave them alone, and net/http names the type itself,
		// as exactly ct. A handler that never touches its headers spares net/http copying,
		// sorting and writing them: 1.2-1.7 us of the 30-35 us a small call costs under load.
		_, _ = w.Write(body)
		return
	}
	if fw, ok := w.(*fastResponse); ok && len(body) <= autoLengthMax && (s.cfg.GzipThreshold < 0 || len(body) <= s.cfg.GzipThreshold) {
		// Under fastConns a small answer's type costs no header map either (JSON-RPC's, which
		// net/http would not sniff right).
		fw.setContentType(ct)
		_, _ = w.Write(body)
		return
	}
	h := w.Header()
	h["Content-Type"] = ct
	if s.cfg.GzipThreshold >= 0 && len(body) > s.cfg.GzipThreshold {
		h["Vary"] = varyHeader
		if acceptsGzip(r.Header["Accept-Encoding"]) {
			zb := getBuf()
			defer putBuf(zb)
			buf := bytes.NewBuffer((*zb)[:0])
			zw := gzipWriters.Get().(*gzip.Writer)
			zw.Reset(buf)
			_, err := zw.Write(body)
			if err == nil {
				err = zw.Close()
			}
			gzipWriters.Put(zw)
			if err == nil {
				*zb = buf.Bytes()
				body = *zb
				h["Content-Encoding"] = gzipHeader
			}
		}
	}
	if len(body) > autoLengthMax {
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a client gone away is not the server's error
}

// sniffedRight reports whether net/http, given a response without a Content-Type, would name body
// with ct itself: what http.DetectContentType gives any XML document opening with its declaration
// ("<?xml"), as every XML-RPC answer does, is exactly sniffedXMLType.
func sniffedRight(ct []string, body []byte) bool {
	return len(ct) == 1 && ct[0] == sniffedXMLType && bytes.HasPrefix(body, xmlDeclaration)
}

var xmlDeclaration = []byte("<?xml")

// sniffedXMLType is what http.DetectContentType names an XML document, and what the XML-RPC
// codec's ContentType is.
const sniffedXMLType = "text/xml; charset=utf-8"

// autoLengthMax is the largest body net/http gives a Content-Length of its own when the handler
// writes it in one piece and returns (its buffer before chunking is 2048 bytes). Up to that size
// the handler leaves the header to net/http, which writes it without sorting it among the
// handler's headers: a measurable share of a small call.
const autoLengthMax = 2048

// acceptsGzip reports whether Accept-Encoding values accept gzip (not with q=0).
func acceptsGzip(vals []string) bool {
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				return false
			}
			return true
		}
	}
	return false
}

// httpError answers a refused request with status and a short plain-text reason.
func httpError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h["Content-Type"] = plainHeader
	h["X-Content-Type-Options"] = noSniff
	h["Content-Length"] = []string{strconv.Itoa(len(msg) + 1)}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
