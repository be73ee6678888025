package jsonrpc

import "reflect"

// Response is one JSON-RPC response decoded from a body. It refers to the body, which must not be
// modified while the response is in use.
type Response struct {
	// Version is the version the response was written in.
	Version Version
	// ID is the id of the request answered; null when the server could not read it.
	ID ID
	// Err is the error object of an error response, nil for a result.
	Err  *Error
	data []byte
	res  span
	opts DecodeOptions
}

// Decode stores the result into v, a non-nil pointer (nil v discards it). For an error response it
// returns r.Err, so callers tell a remote error from a decoding failure with errors.As.
func (r *Response) Decode(v any) error {
	if r.Err != nil {
		return r.Err
	}
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	d := newDecoderState(r.data[:r.res.end], r.res.start, r.opts.DisallowUnknownFields)
	defer d.release()
	if err := decoderFor(rv.Type().Elem())(d, rv.Elem()); err != nil {
		return prefixPath(err, "result")
	}
	return nil
}

// RawResult returns the JSON text of the result, or nil for an error response.
func (r *Response) RawResult() []byte {
	if r.Err != nil {
		return nil
	}
	return r.data[r.res.start:r.res.end]
}

// DecodeResponses decodes a response body with the default options; see
// DecodeOptions.DecodeResponses.
func DecodeResponses(data []byte) (rs []Response, batch bool, err error) {
	return DecodeOptions{}.DecodeResponses(data)
}

// UnmarshalResponse decodes a single response with the default options and stores its result in v;
// see DecodeOptions.UnmarshalResponse.
func UnmarshalResponse(data []byte, v any) error { return DecodeOptions{}.UnmarshalResponse(data, v) }

// UnmarshalResponse decodes a single response (2.0 or 1.0) and stores its result in v, a non-nil
// pointer, or discards it when v is nil. An error response is returned as an *Error.
func (o DecodeOptions) UnmarshalResponse(data []byte, v any) error {
	rs, batch, err := o.DecodeResponses(data)
	if err != nil {
		return err
	}
	if batch {
		return invalidRequest("a batch where a single response was expected")
	}
	return rs[0].Decode(v)
}

// UnmarshalResponseID is UnmarshalResponse for a client that sent the request id: a response to
// another id is refused with a *RequestError. An error response with a null id (the server could
// not read the request) is returned as its *Error.
func (o DecodeOptions) UnmarshalResponseID(data []byte, id ID, v any) error {
	rs, batch, err := o.DecodeResponses(data)
	if err != nil {
		return err
	}
	if batch {
		return invalidRequest("a batch where a single response was expected")
	}
	r := &rs[0]
	if !r.ID.Equal(id) && !(r.Err != nil && r.ID.IsNull()) {
		return invalidRequest("response id " + truncate(r.ID.raw) + " does not answer request id " + truncate(id.raw))
	}
	return r.Decode(v)
}

// MatchResponses pairs the responses of a batch with the ids of its requests: matched[i] is the
// response to ids[i], or nil when there is none (a notification, or a server that left it out).
// Responses to no id of ids (such as errors with a null id, for requests the server could not
// read) are returned in unmatched.
func MatchResponses(ids []ID, rs []Response) (matched, unmatched []*Response) {
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		if !id.IsAbsent() {
			index[id.key()] = i
		}
	}
	matched = make([]*Response, len(ids))
	for i := range rs {
		r := &rs[i]
		if j, ok := index[r.ID.key()]; ok && !r.ID.IsAbsent() && matched[j] == nil {
			matched[j] = r
			continue
		}
		unmatched = append(unmatched, r)
	}
	return matched, unmatched
}

// DecodeResponses decodes a response body: one response object, or a batch of them (batch is then
// true). The whole body is validated first; an entry that is not a valid response fails the
// whole body with a *RequestError wrapping ErrInvalidRequest. Responses in a batch may come in any
// order: match them to requests by ID.
func (o DecodeOptions) DecodeResponses(data []byte) (rs []Response, batch bool, err error) {
	if err := o.checkSize(data); err != nil {
		return nil, false, err
	}
	s := o.scanner(data)
	if s.peek() == '[' {
		batch = true
		maxBatch := o.MaxBatch
		if maxBatch <= 0 {
			maxBatch = DefaultMaxBatch
		}
		err = s.array(func(i int) error {
			if i >= maxBatch {
				return &LimitError{What: "batch", Limit: int64(maxBatch), Offset: int64(s.pos), err: ErrBatchTooLarge}
			}
			r, err := o.response(&s)
			rs = append(rs, r)
			return err
		})
		if err == nil && len(rs) == 0 {
			err = &RequestError{Msg: "empty batch of responses", err: ErrEmptyBatch}
		}
	} else {
		var r Response
		r, err = o.response(&s)
		rs = []Response{r}
	}
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return nil, batch, err
	}
	return rs, batch, nil
}

// response parses one response object at s.pos.
func (o DecodeOptions) response(s *scanner) (Response, error) {
	r := Response{data: s.data, opts: o}
	if s.peek() != '{' {
		if err := s.value(); err != nil {
			return r, err
		}
		return r, invalidRequest("a response must be an object")
	}
	r.Version = Version1
	var (
		problem  string
		sawID    bool
		result   = span{-1, -1}
		errSpan  = span{-1, -1}
		errIsNul bool
	)
	err := s.object(func(name []byte) error {
		start := s.pos
		if err := s.value(); err != nil {
			return err
		}
		switch string(name) {
		case "jsonrpc":
			r.Version = Version2
			if string(s.data[start:s.pos]) != `"2.0"` {
				problem = `"jsonrpc" must be "2.0"`
			}
		case "id":
			sawID = true
			switch s.data[start] {
			case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				r.ID = ID{raw: s.data[start:s.pos]}
			default:
				problem = `"id" must be a string, a number or null`
			}
		case "result":
			result = span{start, s.pos}
		case "error":
			errSpan = span{start, s.pos}
			errIsNul = s.data[start] == 'n'
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	if problem == "" && !sawID {
		problem = `missing "id"`
	}
	if problem != "" {
		return r, invalidRequest(problem)
	}
	// 1.0 writes both members, the unused one null; some 2.0 servers do too. Only two non-null
	// members are refused.
	hasResult, hasError := result.start >= 0, errSpan.start >= 0 && !errIsNul
	if hasError && hasResult && s.data[result.start] == 'n' {
		hasResult = false
	}
	switch {
	case hasResult && hasError:
		return r, invalidRequest(`a response has "result" or "error", not both`)
	case hasResult:
		r.res = result
		return r, nil
	case !hasError:
		return r, invalidRequest(`a response needs "result" or "error"`)
	}
	e, err := o.errorObject(s.data, errSpan, r.Version)
	if err != nil {
		return r, err
	}
	r.Err = e
	return r, nil
}

// errorObject decodes an error member: {code, message, data}, or for 1.0 any value (a string
// becomes the message, with code 0).
func (o DecodeOptions) errorObject(data []byte, sp span, v Version) (*Error, error) {
	d := decoder{data: data[:sp.end], pos: sp.start}
	if data[sp.start] != '{' {
		if v == Version1 {
			x, err := d.natural()
			if err != nil {
				return nil, err
			}
			if s, ok := x.(string); ok {
				return &Error{Message: s}, nil
			}
			return &Error{Message: "error", Data: x}, nil
		}
		return nil, invalidRequest(`"error" must be an object`)
	}
	var wire struct {
		Code    any     `json:"code"`
		Message *string `json:"message"`
		Data    any     `json:"data"`
	}
	if err := decoderFor(reflect.TypeOf(&wire).Elem())(&d, reflect.ValueOf(&wire).Elem()); err != nil {
		return nil, invalidRequest(`malformed "error": ` + err.Error())
	}
	code, ok := wire.Code.(int) // the natural type of an integer in 32 bits
	if !ok || wire.Message == nil {
		return nil, invalidRequest(`"error" needs an integer "code" and a string "message"`)
	}
	return &Error{Code: code, Message: *wire.Message, Data: wire.Data}, nil
}
