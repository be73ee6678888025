package jsonrpc

import (
	"context"
	"sync"
)

// Handler runs one valid request (a single one or a batch entry) and returns its result or error, as
// rpc.Registry.Call does. For a notification the outcome is discarded. The request is valid only
// until the handler returns: Serve reuses its memory for later bodies.
type Handler func(ctx context.Context, req *Request) (result any, err error)

// Codec bundles the options a server answers JSON-RPC bodies with. It is read-only while in use and
// safe for concurrent use. The zero value uses the default limits and CodeInternalError for
// handler errors that carry no code.
type Codec struct {
	Decode DecodeOptions
	Encode EncodeOptions
	// ErrorCode is the code of handler errors that carry none (see AsError); 0 means
	// CodeInternalError. A server built on rpc.Registry passes its configured application code.
	ErrorCode int
}

// Summary describes what Serve answered, for logs.
type Summary struct {
	Batch    bool   // the body was a batch
	Requests int    // entries in the body (0 when it could not be parsed)
	Method   string // the method of the first entry, "" when unknown
	Code     int    // the first error code answered, 0 when every answer was a result
}

// Serve answers a request body: it decodes one request or a batch, runs h for each valid entry in
// order, and appends the response body to dst: one response object, or for a batch one array of
// the answers to entries that are not notifications. It appends nothing when there is nothing to
// answer (a notification, a batch of notifications), which an HTTP server sends as 204 No Content.
//
// A body that is not well-formed JSON or breaks a limit, and an empty batch, get one error object
// with a null id. Handler errors become error objects through AsError. A result that cannot be
// encoded is answered with CodeInternalError. Once ctx is done, the remaining entries of a batch
// are not run and are answered with CodeInternalError.
func (c *Codec) Serve(ctx context.Context, dst, body []byte, h Handler) ([]byte, Summary) {
	st := serveStates.Get().(*serveState)
	defer st.release()
	var sum Summary
	reqs, batch, err := c.Decode.decodeRequests(body, st.reqs, st.keys[:0])
	st.reqs = reqs
	sum.Batch = batch
	if err != nil {
		e := &Error{Code: ErrorCode(err), Message: err.Error()}
		if e.Code == CodeParseError {
			e.Message = "parse error: " + e.Message
		}
		sum.Code = e.Code
		return c.Encode.AppendError(dst, nil, e), sum
	}
	sum.Requests = len(reqs)
	sum.Method = reqs[0].Method
	start := len(dst)
	out := dst
	if batch {
		out = append(out, '[')
	}
	mark := len(out)
	for i := range reqs {
		r := &reqs[i]
		before := len(out)
		if len(out) > mark {
			out = append(out, ',')
		}
		var e *Error
		switch {
		case r.Err != nil:
			e = r.Err
		case ctx.Err() != nil:
			if r.IsNotification() {
				out = out[:before]
				continue
			}
			e = &Error{Code: CodeInternalError, Message: "not run: " + ctx.Err().Error()}
		default:
			res, herr := h(ctx, r)
			if r.IsNotification() {
				out = out[:before]
				continue
			}
			if herr == nil {
				var encErr error
				if out, encErr = c.Encode.AppendResponse(out, r, res); encErr == nil {
					continue
				}
				e = &Error{Code: CodeInternalError, Message: "internal error: cannot encode the result of " + r.Method + ": " + encErr.Error()}
			} else {
				code := c.ErrorCode
				if code == 0 {
					code = CodeInternalError
				}
				e = AsError(herr, code)
			}
		}
		if sum.Code == 0 {
			sum.Code = e.Code
		}
		out = c.Encode.AppendError(out, r, e)
	}
	if len(out) == mark {
		return dst[:start], sum // nothing to answer
	}
	if batch {
		out = append(out, ']')
	}
	return out, sum
}

// serveState is the memory Serve reuses from one body to the next: the decoded requests (large,
// as each carries its decoder) and the scanner's member-name stack.
type serveState struct {
	reqs []Request
	keys [4][]byte
}

var serveStates = sync.Pool{New: func() any { return &serveState{reqs: make([]Request, 0, 1)} }}

// maxPooledRequests bounds the requests a pooled serveState keeps room for, so one large batch
// does not pin its memory.
const maxPooledRequests = 64

func (st *serveState) release() {
	if cap(st.reqs) > maxPooledRequests {
		st.reqs = make([]Request, 0, 1)
	} else {
		clear(st.reqs[:cap(st.reqs)]) // drop the references to the body
		st.reqs = st.reqs[:0]
	}
	clear(st.keys[:])
	serveStates.Put(st)
}
