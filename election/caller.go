package election

import (
	"context"
	"errors"

	"github.com/harp-rpc/harp/cluster"
)

// MasterCaller wraps c so that a standby's CodeNotMaster fault comes back as a *StandbyError,
// which the cluster reads as not sent: it tries another endpoint instead of returning the
// fault, and nothing runs twice since the standby applied nothing. Every other answer and error
// passes unchanged. The result also implements cluster.NamedCaller when c does.
func MasterCaller(c cluster.Caller) cluster.Caller {
	if n, ok := c.(cluster.NamedCaller); ok {
		return &masterNamed{masterCaller{c}, n}
	}
	return &masterCaller{c}
}

// MasterFactory wraps every Caller that f makes with MasterCaller.
func MasterFactory(f cluster.Factory) cluster.Factory {
	return func(ep cluster.Endpoint) (cluster.Caller, error) {
		c, err := f(ep)
		if err != nil {
			return nil, err
		}
		return MasterCaller(c), nil
	}
}

type masterCaller struct{ c cluster.Caller }

func (m *masterCaller) Call(ctx context.Context, method string, reply any, args ...any) error {
	return standby(method, m.c.Call(ctx, method, reply, args...))
}

func (m *masterCaller) Close() error { return m.c.Close() }

type masterNamed struct {
	masterCaller
	n cluster.NamedCaller
}

func (m *masterNamed) CallNamed(ctx context.Context, method string, reply any, params any) error {
	return standby(method, m.n.CallNamed(ctx, method, reply, params))
}

// standby turns a CodeNotMaster fault into a *StandbyError.
func standby(method string, err error) error {
	var f interface{ FaultCode() int }
	if err != nil && errors.As(err, &f) && f.FaultCode() == CodeNotMaster {
		return &StandbyError{Method: method, Fault: err}
	}
	return err
}
