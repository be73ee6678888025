package rpc

import "github.com/harp-rpc/harp/xmlrpc"

// methodPeeker is a ServerCodec that can say which calls a body holds without running them. A
// call abandoned at its deadline has no Summary of its own (its handler has not returned), so
// Serve peeks at the body for one: logs and metrics then name the method that overran, not "".
type methodPeeker interface {
	peek(body []byte) Summary
}

// peekSummary returns what c can tell of body without running it, with code as its Code; a codec
// that cannot peek, or a body it cannot read, gives a Summary with the code alone.
func peekSummary(c ServerCodec, body []byte, code int) Summary {
	var sum Summary
	if p, ok := c.(methodPeeker); ok {
		sum = p.peek(body)
	}
	sum.Code = code
	return sum
}

// peek decodes the methodCall's name; its parameters are left unread, as DecodeCallTo leaves
// them, so peeking costs one scan of the body and no values.
func (x *xmlServerCodec) peek(body []byte) Summary {
	var call xmlrpc.Call
	if x.dec.DecodeCallTo(&call, body) != nil {
		return Summary{}
	}
	return Summary{Method: call.Method, Calls: 1}
}

// peek decodes the request or batch, whose params the decoder leaves as text.
func (j *jsonServerCodec) peek(body []byte) Summary {
	reqs, batch, err := j.codec.Decode.DecodeRequests(body)
	if err != nil || len(reqs) == 0 {
		return Summary{}
	}
	return Summary{Method: reqs[0].Method, Calls: len(reqs), Batch: batch}
}
