package jsonrpc

import (
	"github.com/harp-rpc/harp/internal/intern"

	"errors"
	"reflect"
	"strconv"

	"github.com/harp-rpc/harp/internal/fastpath"
)

// span is the extent [start, end) of a value in a document.
type span struct{ start, end int }

// Request is one JSON-RPC request (or notification) decoded from a body. It implements the
// rpc.Params interface: positional params are its parameters; named params (an object) are ONE
// parameter, which binds to a struct (by field name or json tag) or a map.
//
// A Request refers to the body it was decoded from, which must not be modified while the request
// is in use.
type Request struct {
	// Version is the protocol version the request was sent in; answer in the same. An invalid
	// entry (Err set) is always Version2.
	Version Version
	// Method is the method name.
	Method string
	// ID is the request id, echoed in the response; absent for a 2.0 notification.
	ID ID
	// Err is set when the entry is well-formed JSON but not a valid request (a missing method,
	// params that are neither array nor object, "jsonrpc" other than "2.0"...). Such an entry is
	// not run but answered with Err, under its id when that could be read and null otherwise, even
	// when it has no id.
	Err *Error

	data            []byte
	params          span // zero when absent
	named           bool
	n               int // number of positional params
	disallowUnknown bool
	// The cursor: where positional param cur starts. Params are located by walking the array from
	// the cursor rather than from a table, so a request costs no memory per param.
	cur, curPos int
	dec         decoder
}

// A Request is not safe for concurrent use.

// IsNotification reports whether the request is a notification, which is run but never answered:
// a 2.0 request without id, or a 1.0 request whose id is null. An invalid entry (Err set) is never
// a notification.
func (r *Request) IsNotification() bool {
	if r.Err != nil {
		return false
	}
	if r.Version == Version1 {
		return r.ID.IsAbsent() || r.ID.IsNull()
	}
	return r.ID.IsAbsent()
}

// Named reports whether the params are an object (by name) rather than an array.
func (r *Request) Named() bool { return r.named }

// RawParams returns the JSON text of the params, or nil when there are none.
func (r *Request) RawParams() []byte {
	if r.params.end == 0 {
		return nil
	}
	return r.data[r.params.start:r.params.end]
}

// NumParams returns the number of parameters: the length of positional params, 1 for named params
// and 0 for none.
func (r *Request) NumParams() int {
	if r.named {
		return 1
	}
	return r.n
}

// DecodeParam decodes parameter i into v, a non-nil pointer. Errors are an *UnmarshalTypeError
// or *UnknownFieldError whose Path locates the value, as in "params[0].rows[3].id" ("params.id" for
// named params).
func (r *Request) DecodeParam(i int, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	var sp span
	switch {
	case r.named && i == 0:
		sp = r.params
	case !r.named && i >= 0 && i < r.n:
		sp = span{r.seek(i), r.params.end}
	default:
		return errors.New("jsonrpc: parameter index " + strconv.Itoa(i) + " out of range")
	}
	d := &r.dec // in the request, so that it does not cost an allocation per param
	*d = decoder{data: r.data[:sp.end], pos: sp.start, disallowUnknown: r.disallowUnknown, buf: d.buf}
	if err := decoderFor(rv.Type().Elem())(d, rv.Elem()); err != nil {
		if r.named {
			return prefixPath(err, "params")
		}
		return prefixPath(err, "params["+strconv.Itoa(i)+"]")
	}
	if !r.named && i+1 < r.n { // the next param starts after this one's comma
		r.cur, r.curPos = i+1, d.nextElem()
	}
	return nil
}

// IntParam returns positional parameter i and true if it is a plain JSON integer of at most 18
// digits, as DecodeParam would decode it into an *int64; false means DecodeParam must decode it
// (always, under the harp_nofastpath build tag).
func (r *Request) IntParam(i int) (int64, bool) {
	if !fastpath.Enabled || r.named || i < 0 || i >= r.n {
		return 0, false
	}
	pos := r.seek(i)
	b := r.data[pos:r.params.end]
	j := 0
	if j < len(b) && b[j] == '-' {
		j++
	}
	start := j
	var n int64
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		if j-start == 18 {
			return 0, false
		}
		n = n*10 + int64(b[j]-'0')
		j++
	}
	if j == start || j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, false
	}
	if start == 1 {
		n = -n
	}
	r.advance(i, pos+j)
	return n, true
}

// StringParam returns positional parameter i and true if it is a JSON string of printable ASCII
// without escapes, as DecodeParam would decode it into a *string; false means DecodeParam must
// decode it (always, under the harp_nofastpath build tag).
func (r *Request) StringParam(i int) (string, bool) {
	if !fastpath.Enabled || r.named || i < 0 || i >= r.n {
		return "", false
	}
	pos := r.seek(i)
	b := r.data[pos:r.params.end]
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			r.advance(i, pos+j+1)
			return string(b[1:j]), true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false
		}
	}
	return "", false
}

// advance leaves the cursor at the param after param i, which ends at end.
func (r *Request) advance(i, end int) {
	if i+1 < r.n {
		d := decoder{data: r.data[:r.params.end], pos: end}
		r.cur, r.curPos = i+1, d.nextElem()
	}
}

// seek returns the offset of positional param i, walking from the cursor (or from the start of
// the array when i is before it), and leaves the cursor there.
func (r *Request) seek(i int) int {
	if i < r.cur || r.curPos == 0 {
		d := decoder{data: r.data[:r.params.end], pos: r.params.start + 1}
		d.ws()
		r.cur, r.curPos = 0, d.pos
	}
	d := decoder{data: r.data[:r.params.end], pos: r.curPos}
	for r.cur < i {
		d.skip()
		r.cur, r.curPos = r.cur+1, d.nextElem()
		d.pos = r.curPos
	}
	return r.curPos
}

// Params returns the parameters as natural Go values (see the package documentation): one value
// per positional parameter, or the one map[string]any of named params.
func (r *Request) Params() ([]any, error) {
	out := make([]any, r.NumParams())
	for i := range out {
		if err := r.DecodeParam(i, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DecodeRequests decodes a request body with the default options; see DecodeOptions.DecodeRequests.
func DecodeRequests(data []byte) (reqs []Request, batch bool, err error) {
	return DecodeOptions{}.DecodeRequests(data)
}

// DecodeRequests decodes a request body: one request object, or a batch (an array of them).
// The whole body is validated first. It returns an error, to be answered as one error object with
// a null id (see ErrorCode), when the body is not well-formed JSON (CodeParseError), breaks a limit
// (CodeParseError; a batch over MaxBatch is CodeInvalidRequest) or is an empty batch
// (CodeInvalidRequest). Otherwise every entry is returned, batch telling whether the body was an
// array; entries that are not valid requests have Err set.
func (o DecodeOptions) DecodeRequests(data []byte) (reqs []Request, batch bool, err error) {
	var keyBuf [4][]byte // the envelope's member names, in one small allocation
	return o.decodeRequests(data, nil, keyBuf[:0])
}

// decodeRequests is DecodeRequests appending the entries to reqs[:0] and using keys for the
// scanner's member names, so that Codec.Serve can reuse both from one call to the next.
func (o DecodeOptions) decodeRequests(data []byte, reqs []Request, keys [][]byte) (_ []Request, batch bool, err error) {
	if err := o.checkSize(data); err != nil {
		return reqs[:0], false, err
	}
	if fastpath.Enabled {
		if r, ok := o.fastRequest(data); ok {
			return append(reqs[:0], r), false, nil
		}
	}
	return o.parseRequests(data, reqs, keys)
}

// parseRequests is decodeRequests through the general parser.
func (o DecodeOptions) parseRequests(data []byte, reqs []Request, keys [][]byte) (_ []Request, batch bool, err error) {
	p := requestParser{
		s:    o.scanner(data),
		opts: o,
		reqs: reqs[:0],
	}
	p.s.keys = keys[:0]
	if p.s.peek() == '[' {
		err = p.batch()
		batch = true
	} else {
		err = p.entry()
	}
	if err == nil {
		err = p.s.end()
	}
	if err != nil {
		return p.reqs[:0], batch, err
	}
	return p.reqs, batch, nil
}

type requestParser struct {
	s    scanner
	opts DecodeOptions
	reqs []Request
}

func (p *requestParser) batch() error {
	maxBatch := p.opts.MaxBatch
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	err := p.s.array(func(i int) error {
		if i >= maxBatch {
			return &LimitError{What: "batch", Limit: int64(maxBatch), Offset: int64(p.s.pos), err: ErrBatchTooLarge}
		}
		return p.entry()
	})
	if err == nil && len(p.reqs) == 0 {
		return &RequestError{Msg: "empty batch", err: ErrEmptyBatch}
	}
	return err
}

// entry parses one request at p.s.pos and appends it to p.reqs.
func (p *requestParser) entry() error {
	p.reqs = append(p.reqs, Request{data: p.s.data, disallowUnknown: p.opts.DisallowUnknownFields})
	r := &p.reqs[len(p.reqs)-1]
	if p.s.peek() != '{' {
		if err := p.s.value(); err != nil {
			return err
		}
		r.Err = &Error{Code: CodeInvalidRequest, Message: "invalid request: not an object"}
		return nil
	}
	var (
		version   = Version1
		sawMethod bool
		problem   string
		paramsBad bool
		paramsNul bool
	)
	err := p.s.object(func(name []byte) error {
		s := &p.s
		start := s.pos
		switch string(name) {
		case "jsonrpc":
			version = Version2
			if err := s.value(); err != nil {
				return err
			}
			if string(s.data[start:s.pos]) != `"2.0"` && problem == "" {
				problem = `"jsonrpc" must be "2.0"`
			}
			return nil
		case "method":
			sawMethod = true
			if s.data[start] != '"' {
				if problem == "" {
					problem = `"method" must be a string`
				}
				return s.value()
			}
			name, err := s.name()
			if err != nil {
				return err
			}
			r.Method = intern.Bytes(name)
			return nil
		case "params":
			switch s.data[start] {
			case '[':
				r.n = 0
				err := s.array(func(int) error {
					r.n++
					return s.value()
				})
				r.params = span{start, s.pos}
				return err
			case '{':
				r.named = true
				err := s.value()
				r.params = span{start, s.pos}
				return err
			case 'n':
				paramsNul = true
			default:
				paramsBad = true
			}
			return s.value()
		case "id":
			if err := s.value(); err != nil {
				return err
			}
			switch s.data[start] {
			case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				r.ID = ID{raw: s.data[start:s.pos]}
			default:
				if problem == "" {
					problem = `"id" must be a string, a number or null`
				}
			}
			return nil
		}
		return s.value()
	})
	if err != nil {
		return err
	}
	r.Version = version
	switch {
	case problem != "":
	case !sawMethod:
		problem = `missing "method"`
	case r.Method == "":
		problem = `empty "method"`
	case paramsBad || (paramsNul && version == Version2):
		problem = `"params" must be an array or an object`
	}
	if problem != "" {
		// Which version an invalid entry meant cannot be known: answer as JSON-RPC 2.0 says.
		r.Version = Version2
		r.Err = &Error{Code: CodeInvalidRequest, Message: "invalid request: " + problem}
	}
	return nil
}
