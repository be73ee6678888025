package cluster

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/harp-rpc/harp/rpc"
)

func TestMatchMethod(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"system.*", "system.listMethods", true},
		{"system.*", "system.", true},
		{"system.*", "systems.x", false},
		{"supervisor.get*", "supervisor.getAllProcessInfo", true},
		{"supervisor.get*", "supervisor.startProcess", false},
		{"*.get*", "supervisor.getState", true},
		{"*Info", "supervisor.getProcessInfo", true},
		{"*Info", "supervisor.getProcessInfos", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*", "", true},
		{"a*b*c", "a.x.b.y.c", true},
		{"a*b*c", "a.x.c.y.b", false},
	} {
		if got := matchMethod(c.pattern, c.name); got != c.want {
			t.Errorf("matchMethod(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

// TestMethodPatterns: patterns declare many methods at once; an exact name wins, then the most
// specific pattern, whatever the map's order.
func TestMethodPatterns(t *testing.T) {
	methods := map[string]MethodConfig{
		"supervisor.get*":          {Idempotent: true, MaxAttempts: 2},
		"supervisor.getProcess*":   {Idempotent: true, MaxAttempts: 3},
		"supervisor.getPID":        {Idempotent: true, MaxAttempts: 4},
		"system.*":                 {Idempotent: true, MaxAttempts: 5},
		"*":                        {MaxAttempts: 6},
		"supervisor.startProcess?": {MaxAttempts: 7},
	}
	for range 20 { // map order varies between runs of newMethodTable
		tbl := newMethodTable(methods)
		for name, want := range map[string]int{
			"supervisor.getState":          2,
			"supervisor.getProcessInfo":    3,
			"supervisor.getPID":            4,
			"system.listMethods":           5,
			"supervisor.stopProcess":       6,
			"supervisor.startProcessGroup": 6,
			"supervisor.startProcessX":     7,
		} {
			if mc, ok := tbl.lookup(name); !ok || mc.MaxAttempts != want {
				t.Fatalf("%s: MaxAttempts %d (matched %v), want %d", name, mc.MaxAttempts, ok, want)
			}
		}
	}
}

// TestIdempotentByPattern: a pattern's Idempotent lets a sent failure be retried, and
// WithCallConfig overrides it for one call either way.
func TestIdempotentByPattern(t *testing.T) {
	cfg := testConfig("round_robin")
	cfg.Methods = map[string]MethodConfig{"supervisor.get*": {Idempotent: true}}
	h := newHarness(t, cfg, "a", "b")
	var n atomic.Int64
	for _, f := range h.callers {
		f.set(func(context.Context, string, any, []any) error { n.Add(1); return err500 })
	}
	var ce *CallError
	if _, err := h.call("supervisor.getState"); !errors.As(err, &ce) || ce.Reason != reasonAttempts || n.Load() != 3 {
		t.Fatalf("idempotent by pattern: %v after %d attempts, want 3", err, n.Load())
	}
	n.Store(0)
	if _, err := h.call("supervisor.stopProcess"); !errors.As(err, &ce) || ce.Reason != reasonNotIdempotent || n.Load() != 1 {
		t.Fatalf("not matched: %v after %d attempts, want 1", err, n.Load())
	}
	n.Store(0)
	ctx := WithCallConfig(context.Background(), MethodConfig{Idempotent: false})
	if err := h.c.Call(ctx, "supervisor.getState", nil); !errors.As(err, &ce) || ce.Reason != reasonNotIdempotent || n.Load() != 1 {
		t.Fatalf("override to not idempotent: %v after %d attempts, want 1", err, n.Load())
	}
	n.Store(0)
	ctx = WithCallConfig(context.Background(), MethodConfig{Idempotent: true, MaxAttempts: 2})
	if err := h.c.Call(ctx, "supervisor.stopProcess", nil); !errors.As(err, &ce) || ce.Reason != reasonAttempts || n.Load() != 2 {
		t.Fatalf("override to idempotent: %v after %d attempts, want 2", err, n.Load())
	}
	// A batch is idempotent when every entry's method is, by name or pattern.
	tbl := newMethodTable(cfg.Methods)
	batch := &operation{shape: shapeBatch, calls: []*rpc.Call{rpc.NewCall("supervisor.getState", nil), rpc.NewCall("supervisor.getPID", nil)}}
	if !batch.idempotent(tbl, &MethodConfig{}) {
		t.Error("batch of supervisor.get* calls: not idempotent")
	}
	batch.calls = append(batch.calls, rpc.NewCall("supervisor.stopProcess", nil))
	if batch.idempotent(tbl, &MethodConfig{}) {
		t.Error("batch with supervisor.stopProcess: idempotent")
	}
}
