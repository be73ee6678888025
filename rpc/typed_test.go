package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/rpc"
)

// registerTyped registers the same methods twice, as plain functions and as Funcs, so that each
// test can check that both are served alike.
func registerTyped(t testing.TB, r *rpc.Registry) {
	t.Helper()
	for _, m := range []struct {
		name string
		fn   any
	}{
		{"f0", rpc.Func0(func(ctx context.Context) (string, error) { v, _ := ctx.Value(ctxKey{}).(string); return v, nil })},
		{"f1", rpc.Func1(func(_ context.Context, p point) (int, error) { return p.X * p.Y, nil })},
		{"f2", rpc.Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil })},
		{"f3", rpc.Func3(func(_ context.Context, s string, n int, tags []string) (string, error) {
			return s + strings.Repeat("!", n) + strings.Join(tags, ","), nil
		})},
		{"r2", func(a, b int) int { return a + b }},
		{"fails", rpc.Func0(func(context.Context) (int, error) { return 0, errPlain })},
		{"coded", rpc.Func1(func(context.Context, int) (int, error) { return 0, codedErr{} })},
		{"boom", rpc.Func0(func(context.Context) (int, error) { panic("kaboom") })},
	} {
		if err := r.Register(m.name, m.fn, "help of "+m.name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFuncCall(t *testing.T) {
	r := newRegistry(t, nil)
	registerTyped(t, r)
	ctx := context.WithValue(context.Background(), ctxKey{}, "from ctx")
	for _, tt := range []struct {
		method string
		params jsonParams
		want   any
	}{
		{"f0", nil, "from ctx"},
		{"f1", jsonParams{`{"X":3,"Y":4}`}, 12},
		{"f2", jsonParams{"2", "3"}, 5},
		{"f3", jsonParams{`"hi"`, "2", `["a","b"]`}, "hi!!a,b"},
	} {
		got, err := r.Call(ctx, jsonProto, tt.method, tt.params)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Fatalf("Call(%s, %v) = %#v, %v; want %#v", tt.method, tt.params, got, err, tt.want)
		}
	}
	// a nil context reaches the function as context.Background, as for plain functions
	if got, err := r.Call(nil, jsonProto, "f0", nil); err != nil || got != "" {
		t.Fatalf("nil context: %v %v", got, err)
	}
}

func TestFuncErrors(t *testing.T) {
	r, cfg, logBuf := loggingRegistry(t)
	registerTyped(t, r)
	for _, tt := range []struct {
		method   string
		params   jsonParams
		code     int
		contains string
	}{
		{"f2", jsonParams{"1"}, rpc.CodeInvalidParams, "f2 takes 2 parameters, got 1"},
		{"f2", jsonParams{"1", "2", "3"}, rpc.CodeInvalidParams, "f2 takes 2 parameters, got 3"},
		{"f2", jsonParams{"1", `"two"`}, rpc.CodeInvalidParams, "invalid params: f2: params[1]"},
		{"f1", jsonParams{`{"X":"a"}`}, rpc.CodeInvalidParams, "params[0]"},
		{"fails", nil, 7, "plain failure"},
		{"coded", jsonParams{"1"}, 42, "the answer"},
		{"boom", nil, rpc.CodeInternalError, "internal error in boom"},
	} {
		_, err := r.Call(context.Background(), jsonProto, tt.method, tt.params)
		code, msg := rpc.Translate(err, cfg.ErrorCode)
		if err == nil || code != tt.code || !strings.Contains(msg, tt.contains) {
			t.Fatalf("%s%v: got %d %q (%v), want %d containing %q", tt.method, tt.params, code, msg, err, tt.code, tt.contains)
		}
	}
	if !strings.Contains(logBuf.String(), "kaboom") {
		t.Fatalf("panic not logged: %s", logBuf.String())
	}
	var e *rpc.Error
	var je *json.UnmarshalTypeError
	if _, err := r.Call(context.Background(), nil, "f2", jsonParams{"1", `"x"`}); !errors.As(err, &e) || !errors.As(err, &je) {
		t.Fatalf("invalid params error %v does not wrap the decode error", err)
	}
}

// TestFuncIntrospection: a Func has the signature, parameters and result of the plain function
// it stands for.
func TestFuncIntrospection(t *testing.T) {
	r := newRegistry(t, nil)
	registerTyped(t, r)
	typed, _ := r.Lookup("f2")
	plain, _ := r.Lookup("r2")
	if got, want := typed.Signature(nil), plain.Signature(nil); !reflect.DeepEqual(got, want) {
		t.Fatalf("signature %v, want %v as for the plain function", got, want)
	}
	if !reflect.DeepEqual(typed.Params(), plain.Params()) || typed.Result() != plain.Result() || typed.Variadic() {
		t.Fatalf("params %v result %v, want %v %v", typed.Params(), typed.Result(), plain.Params(), plain.Result())
	}
	if typed.Help() != "help of f2" {
		t.Fatalf("help %q", typed.Help())
	}
	f0, _ := r.Lookup("f0")
	if got := f0.Signature(nil); !reflect.DeepEqual(got, []string{"string"}) {
		t.Fatalf("Func0 signature %v", got)
	}
}

func TestFuncRefused(t *testing.T) {
	r := newRegistry(t, nil)
	for name, fn := range map[string]any{
		"nilfn":  rpc.Func1[int, int](nil),
		"zero":   rpc.Func{},
		"chan":   rpc.Func1(func(context.Context, chan int) (int, error) { return 0, nil }),
		"result": rpc.Func0(func(context.Context) (func(), error) { return nil, nil }),
	} {
		if err := r.Register(name, fn, ""); !errors.Is(err, rpc.ErrUnsupported) {
			t.Errorf("Register(%s) = %v, want ErrUnsupported", name, err)
		}
	}
}

// scalarParams are jsonParams with some parameters also at hand as scalars, which must hold
// values different from their JSON text so that the test can tell which was taken.
type scalarParams struct {
	jsonParams
	ints    map[int]int64
	strings map[int]string
}

func (p scalarParams) IntParam(i int) (int64, bool) {
	n, ok := p.ints[i]
	return n, ok
}

func (p scalarParams) StringParam(i int) (string, bool) {
	s, ok := p.strings[i]
	return s, ok
}

// TestFuncScalarParams: a Func takes its int, int64 and string parameters from rpc.ScalarParams
// when they are at hand there, and decodes the others, and those of other types, as usual.
func TestFuncScalarParams(t *testing.T) {
	r := newRegistry(t, nil)
	r.MustRegister("ints", rpc.Func2(func(_ context.Context, a int, b int64) (int64, error) { return int64(a)*1000 + b, nil }), "")
	r.MustRegister("strs", rpc.Func3(func(_ context.Context, a string, b float64, c string) (string, error) {
		return a + "|" + strconv.FormatFloat(b, 'g', -1, 64) + "|" + c, nil
	}), "")
	r.MustRegister("one", rpc.Func1(func(_ context.Context, a int) (int, error) { return a, nil }), "")
	for _, tt := range []struct {
		method string
		params scalarParams
		want   any
	}{
		{"ints", scalarParams{jsonParams{"1", "2"}, map[int]int64{0: 7, 1: 8}, nil}, int64(7008)},
		{"ints", scalarParams{jsonParams{"1", "2"}, map[int]int64{1: 8}, nil}, int64(1008)},
		{"ints", scalarParams{jsonParams{"1", "2"}, nil, nil}, int64(1002)},
		{"strs", scalarParams{jsonParams{`"a"`, "1.5", `"c"`}, map[int]int64{1: 9}, map[int]string{0: "A", 2: "C"}}, "A|1.5|C"},
		{"strs", scalarParams{jsonParams{`"a"`, "1.5", `"c"`}, nil, map[int]string{2: "C"}}, "a|1.5|C"},
		{"one", scalarParams{jsonParams{"5"}, nil, map[int]string{0: "x"}}, 5}, // a string is no int
	} {
		got, err := r.Call(context.Background(), jsonProto, tt.method, tt.params)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Call(%s, %+v) = %#v, %v; want %#v", tt.method, tt.params, got, err, tt.want)
		}
	}
	// a parameter that is not at hand and cannot decode is still invalid params
	_, err := r.Call(context.Background(), jsonProto, "ints", scalarParams{jsonParams{"1", `"x"`}, map[int]int64{0: 1}, nil})
	var re *rpc.Error
	if !errors.As(err, &re) || re.Code != rpc.CodeInvalidParams {
		t.Fatalf("undecodable parameter: %v", err)
	}
}
