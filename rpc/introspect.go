package rpc

import (
	"context"
	"reflect"
)

// Names of the built-in methods.
const (
	MethodListMethods     = "system.listMethods"
	MethodMethodHelp      = "system.methodHelp"
	MethodMethodSignature = "system.methodSignature"
	MethodMethodExist     = "system.methodExist"
	MethodCapabilities    = "system.getCapabilities"
	MethodMulticall       = "system.multicall"
)

type builtinFunc = func(ctx context.Context, r *Registry, p *Protocol, ps Params) (any, error)

func builtin(name, help string, out reflect.Type, fn builtinFunc, in ...reflect.Type) *Method {
	return &Method{name: name, help: help, in: in, out: out, valIdx: 0, errIdx: -1, builtin: fn}
}

var (
	stringType      = reflect.TypeFor[string]()
	stringsType     = reflect.TypeFor[[]string]()
	signaturesType  = reflect.TypeFor[[][]string]()
	boolType        = reflect.TypeFor[bool]()
	capabilityType  = reflect.TypeFor[map[string]any]()
	multicallInType = reflect.TypeFor[[]map[string]any]()
	anySliceType    = reflect.TypeFor[[]any]()
)

func builtins() []*Method {
	return []*Method{
		builtin(MethodListMethods, "Returns the names of all methods, sorted.", stringsType, listMethods),
		builtin(MethodMethodHelp, "Returns the help text of the named method.", stringType, methodHelp, stringType),
		builtin(MethodMethodSignature, "Returns the signatures of the named method: arrays of type names, "+
			"the result's first, then each parameter's.", signaturesType, methodSignature, stringType),
		builtin(MethodMethodExist, "Returns whether a method of that name exists.", boolType, methodExist, stringType),
		builtin(MethodCapabilities, "Returns the specifications this server implements, each as "+
			"{specUrl, specVersion}.", capabilityType, capabilities),
		builtin(MethodMulticall, "Runs an array of calls, each a struct {methodName, params}, and returns an "+
			"array holding for each either a one-element array with its result or a struct "+
			"{faultCode, faultString}. system.multicall cannot be nested.", anySliceType, multicall, multicallInType),
	}
}

func listMethods(_ context.Context, r *Registry, _ *Protocol, _ Params) (any, error) {
	ms := r.methods.Load().sorted
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.name
	}
	return names, nil
}

// namedMethod decodes the single string parameter of the introspection methods and looks it up.
func namedMethod(r *Registry, ps Params) (*Method, error) {
	var name string
	if err := ps.DecodeParam(0, &name); err != nil {
		return nil, &Error{Code: CodeInvalidParams, Message: "invalid params: " + err.Error(), err: err}
	}
	m, ok := r.Lookup(name)
	if !ok {
		return nil, &Error{Code: CodeMethodNotFound, Message: "method not found: " + quoteName(name)}
	}
	return m, nil
}

func methodHelp(_ context.Context, r *Registry, _ *Protocol, ps Params) (any, error) {
	m, err := namedMethod(r, ps)
	if err != nil {
		return nil, err
	}
	return m.help, nil
}

func methodSignature(_ context.Context, r *Registry, p *Protocol, ps Params) (any, error) {
	m, err := namedMethod(r, ps)
	if err != nil {
		return nil, err
	}
	var tn func(reflect.Type) string
	if p != nil {
		tn = p.TypeName
	}
	return [][]string{m.Signature(tn)}, nil
}

func methodExist(_ context.Context, r *Registry, _ *Protocol, ps Params) (any, error) {
	_, err := namedMethod(r, ps)
	if e, ok := err.(*Error); ok && e.Code == CodeMethodNotFound {
		return false, nil
	}
	return err == nil, err
}

func capabilities(_ context.Context, _ *Registry, p *Protocol, _ Params) (any, error) {
	caps := map[string]any{
		"faults_interop": map[string]any{
			"specUrl": "http://xmlrpc-epi.sourceforge.net/specs/rfc.fault_codes.php", "specVersion": 20010516},
		"introspection": map[string]any{
			"specUrl": "http://xmlrpc-c.sourceforge.net/xmlrpc-c/introspection.html", "specVersion": 1},
		"system.multicall": map[string]any{
			"specUrl": "http://www.xmlrpc.com/discuss/msgReader$1208", "specVersion": 1},
	}
	if p != nil {
		for k, v := range p.Capabilities {
			caps[k] = v
		}
	}
	return caps, nil
}
