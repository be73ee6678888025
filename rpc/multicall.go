package rpc

import (
	"context"
	"strconv"
)

// multicall runs system.multicall: each entry {methodName, params} in turn, collecting [result] or
// {faultCode, faultString} per entry. A malformed entry or a nested system.multicall faults that
// entry only.
func multicall(ctx context.Context, r *Registry, p *Protocol, ps Params) (any, error) {
	var calls []any
	if err := ps.DecodeParam(0, &calls); err != nil {
		return nil, &Error{Code: CodeInvalidParams, Message: "invalid params: system.multicall takes an array of " +
			"{methodName, params} structs: " + err.Error(), err: err}
	}
	if len(calls) > r.cfg.MaxMulticall {
		return nil, &Error{Code: CodeInvalidParams, Message: "invalid params: system.multicall of " +
			strconv.Itoa(len(calls)) + " calls exceeds the limit of " + strconv.Itoa(r.cfg.MaxMulticall)}
	}
	out := make([]any, len(calls))
	for i, c := range calls {
		if err := ctx.Err(); err != nil {
			return nil, &Error{Code: CodeInternalError, Message: "system.multicall stopped: " + err.Error(), err: err}
		}
		res, err := r.multicallEntry(ctx, p, c)
		if err != nil {
			code, msg := Translate(err, r.cfg.ErrorCode)
			out[i] = map[string]any{"faultCode": code, "faultString": msg}
			continue
		}
		out[i] = []any{res}
	}
	return out, nil
}

func (r *Registry) multicallEntry(ctx context.Context, p *Protocol, c any) (any, error) {
	entry, ok := c.(map[string]any)
	if !ok {
		return nil, &Error{Code: CodeInvalidRequest, Message: "system.multicall entry is not a struct"}
	}
	name, ok := entry["methodName"].(string)
	if !ok {
		return nil, &Error{Code: CodeInvalidRequest, Message: "system.multicall entry has no string methodName"}
	}
	if name == MethodMulticall {
		return nil, &Error{Code: CodeInvalidRequest, Message: "recursive system.multicall is forbidden"}
	}
	var params []any
	switch v := entry["params"].(type) {
	case nil:
	case []any:
		params = v
	default:
		return nil, &Error{Code: CodeInvalidRequest, Message: "system.multicall entry params is not an array"}
	}
	return r.Call(ctx, p, name, p.ValueParams(params))
}
