package server

import (
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
)

// fastHead is a request head fastConn serves itself: a POST over HTTP/1.1 to a plain path, with a
// Host and at most one Content-Length, and nothing that changes how the body or the connection
// is read (Transfer-Encoding, Expect, Upgrade, a Connection other than keep-alive or close).
type fastHead struct {
	path   string // the request target: '/' and unreserved characters only
	host   string
	hdr    http.Header
	length int  // the body's length, from Content-Length (0 without one)
	close  bool // the client asked to close the connection after the answer
	size   int  // bytes of the head, its final empty line included
}

// headStrings is what a connection keeps of its last request head to parse the next one without
// allocating: the header map, cleared and refilled, and the strings made from the head's fields,
// by position, since clients send the same head on every request but for the length: a field
// equal to the one last seen in its place reuses that string.
type headStrings struct {
	hdr  http.Header
	vals []string
	strs [2*maxFastHeaders + 2]string // path, host, then each line's name and value
}

// str returns b as a string, the one kept in slot i when it is equal.
func (hs *headStrings) str(i int, b []byte) string {
	if hs.strs[i] == string(b) { // compared without a conversion
		return hs.strs[i]
	}
	s := string(b)
	hs.strs[i] = s
	return s
}

// parseFastHead parses the request head at the start of b. complete is false when b does not
// hold the whole head yet; ok is false when the head is one fastConn leaves to net/http (any
// other method, version, target or header it does not take, or anything malformed), which then
// answers it exactly as it would have.
func parseFastHead(b []byte, hs *headStrings) (h fastHead, complete, ok bool) {
	end, complete, ok := headEnd(b)
	if !complete || !ok {
		return h, complete, ok
	}
	h.size = end + 2
	line, rest := cutLine(b[:end])
	target, found := bytes.CutPrefix(line, postPrefix)
	if !found {
		return h, true, false
	}
	if target, found = bytes.CutSuffix(target, http11Suffix); !found || !plainPath(target) {
		return h, true, false
	}
	h.path = hs.str(0, target)
	if hs.hdr == nil {
		hs.hdr, hs.vals = make(http.Header, 8), make([]string, 0, maxFastHeaders)
	}
	clear(hs.hdr)
	h.hdr, hs.vals = hs.hdr, hs.vals[:0] // one backing array for the values, as net/http's reader does
	seenLength, seenHost := false, false
	for i := 0; len(rest) > 0; i++ {
		line, rest = cutLine(rest)
		name, value, found := bytes.Cut(line, colon)
		if !found || !tokenBytes(name) || !fieldValue(value) {
			return h, true, false
		}
		value = textproto.TrimBytes(value) // fieldValue left no CR or LF: net/http's " \t" trim
		key, known := canonicalKey(name)
		switch key {
		case "":
			return h, true, false // a name fastConn does not take (see canonicalKey)
		case "Host":
			if seenHost || !hostBytes(value) {
				return h, true, false
			}
			seenHost, h.host = true, hs.str(1, value)
		case "Content-Length":
			l, valid := parseLength(value)
			if seenLength || !valid {
				return h, true, false
			}
			seenLength, h.length = true, l
		case "Connection":
			switch {
			case asciiEqualFold(value, "close"):
				h.close = true
			case !asciiEqualFold(value, "keep-alive"):
				return h, true, false
			}
		}
		if !known {
			key = hs.str(2+2*i, name)
		}
		hs.vals = append(hs.vals, hs.str(3+2*i, value))
		v := hs.vals[len(hs.vals)-1 : len(hs.vals) : len(hs.vals)]
		if prev := h.hdr[key]; prev != nil {
			v = append(prev, v[0])
		}
		h.hdr[key] = v
	}
	if !seenHost {
		return h, true, false // net/http answers 400 to an HTTP/1.1 request without a Host
	}
	return h, true, true
}

// headEnd finds the empty line that ends the request head at the start of b, in one pass over
// its lines (bytes.IndexByte for each '\n', where a search for "\r\n\r\n" costs about ten times
// as much per byte): end is where that empty line starts. complete is false when b does not hold
// it yet; ok is false for a head fastConn leaves to net/http: a line ended by a bare LF, an empty
// line first, or more than maxFastHeaders header lines.
func headEnd(b []byte) (end int, complete, ok bool) {
	for lines := 0; ; lines++ {
		i := bytes.IndexByte(b[end:], '\n')
		switch {
		case i < 0:
			return 0, false, true
		case i == 0 || b[end+i-1] != '\r':
			return 0, true, false
		case i == 1:
			return end, true, end > 0
		case lines > maxFastHeaders:
			return 0, true, false
		}
		end += i + 1
	}
}

// cutLine returns the first line of b, its CRLF removed, and the rest; headEnd has checked that
// every line of b ends in CRLF.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	return b[:i-1], b[i+1:]
}

var (
	crlf         = []byte("\r\n")
	colon        = []byte(":")
	postPrefix   = []byte("POST ")
	http11Suffix = []byte(" HTTP/1.1")
)

// maxFastHeaders is the most header lines fastConn takes; a head with more goes to net/http.
const maxFastHeaders = 32

// fastKeys are the header names fastConn knows, canonical, by their lower-case form; "" marks
// the names it leaves to net/http, which change how the body or the connection is read.
var fastKeys = map[string]string{
	"host": "Host", "content-length": "Content-Length", "content-type": "Content-Type",
	"content-encoding": "Content-Encoding", "connection": "Connection", "user-agent": "User-Agent",
	"accept": "Accept", "accept-encoding": "Accept-Encoding", "authorization": "Authorization",
	"harp-timeout": "Harp-Timeout", "harp-request-id": "Harp-Request-Id", "x-request-id": "X-Request-Id",
	"transfer-encoding": "", "expect": "", "upgrade": "", "te": "", "trailer": "",
	"http2-settings": "", "keep-alive": "Keep-Alive",
}

// canonicalKey returns the canonical form of the header name (a valid token) and whether it is
// one of fastKeys; "" with known true when fastConn does not take the header at all. Other names
// are canonicalized as net/http does, in place.
func canonicalKey(name []byte) (key string, known bool) {
	var low [32]byte
	if len(name) <= len(low) {
		for i, c := range name {
			low[i] = lower(c)
		}
		if k, ok := fastKeys[string(low[:len(name)])]; ok {
			return k, true
		}
	}
	upper := true
	for i, c := range name {
		switch {
		case upper && 'a' <= c && c <= 'z':
			name[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			name[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return "-", false // any non-empty key: the caller takes name itself
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiEqualFold reports whether b is s (lower case) in any case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// plainPath reports whether p is an absolute path of unreserved characters and slashes: no
// query, no escapes, nothing net/http's URL parsing would change or refuse.
func plainPath(p []byte) bool {
	if len(p) == 0 || p[0] != '/' {
		return false
	}
	for _, c := range p {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// tokenBytes reports whether b is a non-empty HTTP token (RFC 9110 section 5.6.2).
func tokenBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

// tokenChars marks the bytes of an HTTP token: letters, digits and !#$%&'*+-.^_`|~.
var tokenChars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return t
}()

// fieldValue reports whether b holds only visible ASCII, spaces and tabs: no control bytes, and
// no bytes over 0x7f, whose reading net/http decides.
func fieldValue(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c > '~' {
			return false
		}
	}
	return true
}

// hostBytes reports whether b is a host (and port) of letters, digits and the punctuation of
// names and addresses: what net/http accepts, without the rarer characters it also does.
func hostBytes(b []byte) bool {
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// parseLength parses a Content-Length of at most 9 digits (fastConn's bodies are small).
func parseLength(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
