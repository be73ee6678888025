package jsonrpc

import "github.com/harp-rpc/harp/internal/intern"

// fastRequest parses data as one JSON-RPC 2.0 request of the shape nearly every client sends,
//
//	{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}
//
// with its members in that order, white space anywhere between tokens, a method, string
// parameters and a string id of printable ASCII without escapes, and integer parameters and id.
// It returns the request and true, exactly as the general parser would decode it, or false for
// anything else, which the general parser then reads (and refuses, where it must). The caller has
// checked the size limit; the value and depth limits are left to the general parser whenever they
// could matter.
func (o *DecodeOptions) fastRequest(data []byte) (Request, bool) {
	f := fastScanner{data: data}
	// each run of punctuation and names is tried first as the one literal of compact JSON
	if !f.word(`{"jsonrpc":"2.0","method":`) &&
		!(f.lit('{') && f.key(`"jsonrpc"`) && f.word(`"2.0"`) && f.lit(',') && f.key(`"method"`)) {
		return Request{}, false
	}
	ms, me, ok := f.str()
	if !ok || me == ms || !f.word(`,"params":[`) && !(f.lit(',') && f.key(`"params"`) && f.lit('[')) {
		return Request{}, false
	}
	r := Request{Version: Version2, data: data, disallowUnknown: o.DisallowUnknownFields}
	r.params.start = f.pos - 1
	if !f.lit(']') {
		for {
			if !f.scalar() {
				return Request{}, false
			}
			r.n++
			if f.lit(']') {
				break
			}
			if !f.lit(',') {
				return Request{}, false
			}
		}
	}
	r.params.end = f.pos
	if !f.word(`,"id":`) && !(f.lit(',') && f.key(`"id"`)) {
		return Request{}, false
	}
	f.ws()
	is := f.pos
	if !f.scalar() {
		return Request{}, false
	}
	ie := f.pos
	if !f.lit('}') {
		return Request{}, false
	}
	f.ws()
	// the general parser counts the object, its members' values and each parameter against
	// MaxValues, and nests two deep: when a limit could be near, it decides
	if f.pos != len(data) || r.n+8 > o.maxValues() || o.maxDepth() < 3 {
		return Request{}, false
	}
	r.Method = intern.Bytes(data[ms:me])
	r.ID = ID{raw: data[is:ie]}
	return r, true
}

// fastScanner reads the tokens of fastRequest.
type fastScanner struct {
	data []byte
	pos  int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (f *fastScanner) ws() {
	for f.pos < len(f.data) && isSpace(f.data[f.pos]) {
		f.pos++
	}
}

// lit consumes the byte c after optional white space.
func (f *fastScanner) lit(c byte) bool {
	f.ws()
	if f.pos < len(f.data) && f.data[f.pos] == c {
		f.pos++
		return true
	}
	return false
}

// word consumes w after optional white space.
func (f *fastScanner) word(w string) bool {
	f.ws()
	if len(f.data)-f.pos >= len(w) && string(f.data[f.pos:f.pos+len(w)]) == w {
		f.pos += len(w)
		return true
	}
	return false
}

// key consumes a member name w (quoted) and its colon.
func (f *fastScanner) key(w string) bool { return f.word(w) && f.lit(':') }

// str consumes a string of printable ASCII without escapes and returns the span of its content.
func (f *fastScanner) str() (start, end int, ok bool) {
	if !f.lit('"') {
		return 0, 0, false
	}
	start = f.pos
	for f.pos < len(f.data) {
		switch c := f.data[f.pos]; {
		case c == '"':
			f.pos++
			return start, f.pos - 1, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return 0, 0, false
		}
		f.pos++
	}
	return 0, 0, false
}

// scalar consumes such a string or a JSON integer of at most 19 digits, -?(0|[1-9][0-9]*), not
// followed by a fraction or an exponent (the general parser reads those).
func (f *fastScanner) scalar() bool {
	f.ws()
	if f.pos < len(f.data) && f.data[f.pos] == '"' {
		_, _, ok := f.str()
		return ok
	}
	if f.pos < len(f.data) && f.data[f.pos] == '-' {
		f.pos++
	}
	start := f.pos
	for f.pos < len(f.data) && f.data[f.pos] >= '0' && f.data[f.pos] <= '9' {
		f.pos++
	}
	switch {
	case f.pos == start, f.data[start] == '0' && f.pos-start > 1, f.pos-start > 19: // long ones meet maxNumberLen there
		return false
	case f.pos < len(f.data) && (f.data[f.pos] == '.' || f.data[f.pos] == 'e' || f.data[f.pos] == 'E'):
		return false
	}
	return true
}
