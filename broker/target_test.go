package broker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/cluster"
)

func TestTargetVerify(t *testing.T) {
	good := []broker.Target{
		{Topic: "compute"},
		{Topic: "nova.compute", Server: "host-1", Exchange: "nova"},
		{Topic: "t", Fanout: true},
	}
	for _, tg := range good {
		if err := tg.Verify(); err != nil {
			t.Errorf("%v: %v", tg, err)
		}
	}
	bad := []broker.Target{
		{},
		{Topic: "a b"},
		{Topic: "a.*"},
		{Topic: "a>"},
		{Topic: "a..b"},
		{Topic: ".a"},
		{Topic: "t", Server: "h.1"},
		{Topic: "t", Exchange: "x.y"},
		{Topic: "t", Server: "s", Fanout: true},
		{Topic: "t\x00"},
	}
	for _, tg := range bad {
		if err := tg.Verify(); !errors.Is(err, broker.ErrInvalidTarget) {
			t.Errorf("%q: %v, want ErrInvalidTarget", tg.Topic+"|"+tg.Server+"|"+tg.Exchange, err)
		}
	}
}

func TestTargetString(t *testing.T) {
	for tg, want := range map[broker.Target]string{
		{Topic: "t"}:                             "t",
		{Exchange: "x", Topic: "t", Server: "s"}: "x/t@s",
		{Topic: "t", Fanout: true}:               "t(fanout)",
	} {
		if got := tg.String(); got != want {
			t.Errorf("%#v: %q, want %q", tg, got, want)
		}
	}
}

// The errors read as cluster.Classify reads any transport's.
func TestErrorsClassify(t *testing.T) {
	ctx := context.Background()
	tg := broker.Target{Topic: "t"}
	for _, c := range []struct {
		err  error
		want cluster.Outcome
	}{
		{&broker.NoServerError{Target: tg}, cluster.OutcomeNotSent},
		{&broker.TimeoutError{Target: tg}, cluster.OutcomeTimeout},
		{&broker.TransportError{Target: tg, Err: errors.New("x"), Sent: true}, cluster.OutcomeFailure},
		{&broker.TransportError{Target: tg, Err: errors.New("x")}, cluster.OutcomeNotSent},
	} {
		if got := cluster.Classify(ctx, c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
	if !errors.Is(&broker.NoServerError{}, broker.ErrNoServer) {
		t.Error("NoServerError is not ErrNoServer")
	}
	if !errors.Is(&broker.TimeoutError{}, context.DeadlineExceeded) {
		t.Error("TimeoutError is not DeadlineExceeded")
	}
	if _, ok := broker.AsFault(&broker.TimeoutError{}); ok {
		t.Error("a timeout read as a fault")
	}
}
