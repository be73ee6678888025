package gateway

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
)

// batch serves a JSON-RPC batch: forwarded whole when one route takes every entry, otherwise
// split by pool, each part sent as a batch of its own, and the responses put back in the
// caller's order. Entries that are not valid requests, or that no route takes, are answered by
// the gateway; notifications get no response.
func (x *exchange) batch(reqs []jsonrpc.Request) {
	methods := make([]string, len(reqs))
	allNotes := true
	for i := range reqs {
		if reqs[i].Err == nil {
			methods[i] = reqs[i].Method
		}
		allNotes = allNotes && reqs[i].IsNotification()
	}
	parts, routed := x.group(methods)
	ids := make([]jsonrpc.ID, 0, len(reqs))
	for i := range reqs {
		if !reqs[i].IsNotification() {
			ids = append(ids, reqs[i].ID)
		}
	}
	if len(parts) == 1 && len(parts[0].idx) == len(reqs) && !bridged(parts[0].rt.pool, x.proto) {
		p := parts[0].rt.pool
		x.forward(parts[0].rt, "batch", multiKey(p, methods, "batch"), allNotes, ids, true)
		return
	}
	answers := make([][]byte, len(reqs))
	var enc jsonrpc.EncodeOptions
	for i := range reqs {
		switch {
		case reqs[i].Err != nil:
			answers[i] = enc.AppendError(nil, &reqs[i], reqs[i].Err)
		case !routed[i] && !reqs[i].IsNotification():
			answers[i] = enc.AppendError(nil, &reqs[i], &jsonrpc.Error{Code: CodeNoRoute, Message: fmt.Sprintf("gateway: no route for method %q", reqs[i].Method)})
		}
	}
	ctx, cancel := x.context("batch", nil)
	defer cancel()
	x.split, x.out = true, OutcomeOK
	var wg sync.WaitGroup
	for _, pt := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.batchPart(pt.rt.pool.hashCtx(ctx, methods[pt.idx[0]]), pt, reqs, methods, answers)
		}()
	}
	wg.Wait()
	out := []byte{'['}
	for _, a := range answers {
		if a == nil {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, a...)
	}
	if len(out) == 1 {
		x.w.WriteHeader(http.StatusNoContent)
		return
	}
	x.writeBody(http.StatusOK, jsonType, append(out, ']'))
}

// batchPart sends one pool's share of a split batch and stores each response at its entry's
// index.
func (x *exchange) batchPart(ctx context.Context, pt *part, reqs []jsonrpc.Request, methods []string, answers [][]byte) {
	p := pt.rt.pool
	var enc jsonrpc.EncodeOptions
	outcome := OutcomeOK
	defer func() { x.observePart(pt.rt, "batch", outcome, x.start) }()
	fail := func(e gatewayError) {
		for _, i := range pt.idx {
			if !reqs[i].IsNotification() {
				answers[i] = enc.AppendError(nil, &reqs[i], &jsonrpc.Error{Code: e.code, Message: e.msg})
			}
		}
	}
	if !p.acquire() {
		outcome = OutcomeOverload
		fail(overloadError(p))
		return
	}
	defer p.release()
	if bridged(p, x.proto) {
		outcome = x.bridgeBatchPart(ctx, p, pt, reqs, answers)
		return
	}
	body := []byte{'['}
	sub := make([]string, len(pt.idx))
	var ids []jsonrpc.ID
	notes := true
	for j, i := range pt.idx {
		if j > 0 {
			body = append(body, ',')
		}
		body = appendRequest(body, &reqs[i])
		sub[j] = methods[i]
		if !reqs[i].IsNotification() {
			ids = append(ids, reqs[i].ID)
			notes = false
		}
	}
	body = append(body, ']')
	req := rpc.Request{Protocol: "jsonrpc", Method: multiKey(p, sub, "batch"), Body: body, Notification: notes}
	out, err := p.cluster.RoundTrip(ctx, &req, nil)
	if err != nil {
		outcome = OutcomeError
		fail(failure(ctx, p.name, "batch", err))
		return
	}
	if notes {
		return
	}
	lim := x.s.cfg.Limits
	rs, _, err := (jsonrpc.DecodeOptions{MaxDepth: lim.MaxDepth, MaxBatch: lim.MaxBatch, MaxValues: lim.MaxValues}).DecodeResponses(out)
	if err != nil {
		outcome = OutcomeError
		fail(gatewayError{code: CodeBadGateway, msg: fmt.Sprintf("gateway: pool %s: bad batch answer: %v", p.name, err)})
		return
	}
	matched, _ := jsonrpc.MatchResponses(ids, rs)
	k := 0
	for _, i := range pt.idx {
		if reqs[i].IsNotification() {
			continue
		}
		r := matched[k]
		k++
		switch {
		case r == nil:
			outcome = OutcomeError
			answers[i] = enc.AppendError(nil, &reqs[i], &jsonrpc.Error{Code: CodeBadGateway, Message: fmt.Sprintf("gateway: pool %s: no response for this request", p.name)})
		case r.Err != nil:
			outcome = OutcomeFault
			answers[i] = enc.AppendError(nil, &reqs[i], r.Err)
		default:
			answers[i] = appendResult(nil, &reqs[i], r.RawResult())
		}
	}
}

// appendRequest writes req again as a JSON-RPC 2.0 request object, its params and id as sent.
func appendRequest(dst []byte, req *jsonrpc.Request) []byte {
	var enc jsonrpc.EncodeOptions
	dst = append(dst, `{"jsonrpc":"2.0","method":`...)
	dst, _ = enc.AppendValue(dst, req.Method)
	if p := req.RawParams(); p != nil {
		dst = append(dst, `,"params":`...)
		dst = append(dst, p...)
	}
	if !req.IsNotification() {
		dst = append(dst, `,"id":`...)
		dst = append(dst, req.ID.Raw()...)
	}
	return append(dst, '}')
}

// appendResult writes a JSON-RPC 2.0 response to req carrying the raw result.
func appendResult(dst []byte, req *jsonrpc.Request, result []byte) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","result":`...)
	if len(result) == 0 {
		result = []byte("null")
	}
	dst = append(dst, result...)
	dst = append(dst, `,"id":`...)
	dst = append(dst, req.ID.Raw()...)
	return append(dst, '}')
}
