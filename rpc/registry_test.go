package rpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/harp-rpc/harp/rpc"
)

// jsonParams is a tiny positional Params for tests: each parameter is a JSON text decoded with
// encoding/json, so that structs, maps and slices bind the way a real wire format binds them.
type jsonParams []string

func (p jsonParams) NumParams() int { return len(p) }

func (p jsonParams) DecodeParam(i int, v any) error {
	if err := json.Unmarshal([]byte(p[i]), v); err != nil {
		return fmt.Errorf("params[%d]: %w", i, err)
	}
	return nil
}

// jsonProto converts multicall entry values with a JSON round trip and names types simply.
var jsonProto = &rpc.Protocol{
	Name: "test",
	Convert: func(src, dst any) error {
		b, err := json.Marshal(src)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, dst)
	},
	TypeName: func(t reflect.Type) string {
		if t == nil {
			return "nil"
		}
		return t.Kind().String()
	},
	Capabilities: map[string]any{"test.cap": 7},
}

type point struct {
	X, Y int
}

type tagged struct {
	Name  string         `json:"name"`
	Tags  []string       `json:"tags"`
	Extra map[string]any `json:"extra"`
}

func newRegistry(t testing.TB, cfg *rpc.Config) *rpc.Registry {
	t.Helper()
	if cfg == nil {
		cfg = rpc.DefaultConfig()
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := rpc.NewRegistry(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type ctxKey struct{}

var errPlain = errors.New("plain failure")

// codedErr is an application error carrying its own code, as *xmlrpc.Fault does.
type codedErr struct{}

func (codedErr) Error() string       { return "coded: with prefix" }
func (codedErr) FaultCode() int      { return 42 }
func (codedErr) FaultString() string { return "the answer" }

func registerAll(t testing.TB, r *rpc.Registry) {
	t.Helper()
	must := func(name string, fn any) {
		if err := r.Register(name, fn, "help for "+name); err != nil {
			t.Fatal(err)
		}
	}
	must("add", func(a, b int) int { return a + b })
	must("math.div", func(a, b float64) (float64, error) {
		if b == 0 {
			return 0, errors.New("division by zero")
		}
		return a / b, nil
	})
	must("ctx.value", func(ctx context.Context) (string, error) {
		s, _ := ctx.Value(ctxKey{}).(string)
		return s, nil
	})
	must("sum", func(prefix string, xs ...int) string {
		n := 0
		for _, x := range xs {
			n += x
		}
		return fmt.Sprintf("%s%d", prefix, n)
	})
	must("point", func(p point) int { return p.X * p.Y })
	must("ptr", func(p *point) bool { return p == nil })
	must("tagged", func(v tagged) string { return v.Name + strings.Join(v.Tags, ",") + fmt.Sprint(len(v.Extra)) })
	must("keys", func(m map[string]int) int { return len(m) })
	must("echo", func(v any) any { return v })
	must("nothing", func() {})
	must("fails", func() error { return errPlain })
	must("coded", func() (int, error) { return 0, fmt.Errorf("wrapped: %w", codedErr{}) })
	must("boom", func() int { panic("kaboom in /secret/path/file.go:12") })
	must("nilerr", func() error { return nil })
}

func TestCall(t *testing.T) {
	r := newRegistry(t, nil)
	registerAll(t, r)
	ctx := context.WithValue(context.Background(), ctxKey{}, "from ctx")
	tests := []struct {
		method string
		params jsonParams
		want   any
	}{
		{"add", jsonParams{"2", "3"}, 5},
		{"math.div", jsonParams{"1", "4"}, 0.25},
		{"ctx.value", nil, "from ctx"},
		{"sum", jsonParams{`"n="`}, "n=0"},
		{"sum", jsonParams{`"n="`, "1", "2", "3"}, "n=6"},
		{"point", jsonParams{`{"X":3,"Y":4}`}, 12},
		{"ptr", jsonParams{"null"}, true},
		{"ptr", jsonParams{`{"X":1}`}, false},
		{"tagged", jsonParams{`{"name":"n","tags":["a","b"],"extra":{"k":1}}`}, "na,b1"},
		{"keys", jsonParams{`{"a":1,"b":2}`}, 2},
		{"echo", jsonParams{`[1,"x",null]`}, []any{1.0, "x", nil}},
		{"nothing", nil, nil},
		{"nilerr", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			got, err := r.Call(ctx, jsonProto, tt.method, tt.params)
			if err != nil {
				t.Fatalf("Call(%s, %v): %v", tt.method, tt.params, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Call(%s, %v) = %#v, want %#v", tt.method, tt.params, got, tt.want)
			}
		})
	}
}

// loggingRegistry returns a registry with application error code 7 whose log goes to the buffer.
func loggingRegistry(t testing.TB) (*rpc.Registry, *rpc.Config, *bytes.Buffer) {
	t.Helper()
	var logBuf bytes.Buffer
	cfg := rpc.DefaultConfig()
	cfg.ErrorCode = 7
	cfg.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	return newRegistry(t, cfg), cfg, &logBuf
}

func TestCallErrors(t *testing.T) {
	r, cfg, logBuf := loggingRegistry(t)
	registerAll(t, r)
	tests := []struct {
		method   string
		params   jsonParams
		code     int
		contains string
	}{
		{"nope", nil, rpc.CodeMethodNotFound, `method not found: "nope"`},
		{strings.Repeat("x", 5000), nil, rpc.CodeMethodNotFound, `xxx..."`},
		{"add", jsonParams{"1"}, rpc.CodeInvalidParams, "add takes 2 parameters, got 1"},
		{"add", jsonParams{"1", "2", "3"}, rpc.CodeInvalidParams, "takes 2 parameters, got 3"},
		{"add", jsonParams{"1", `"two"`}, rpc.CodeInvalidParams, "params[1]"},
		{"sum", nil, rpc.CodeInvalidParams, "takes at least 1 parameters, got 0"},
		{"sum", jsonParams{`"p"`, "1", "true"}, rpc.CodeInvalidParams, "params[2]"},
		{"point", jsonParams{`{"X":"a"}`}, rpc.CodeInvalidParams, "params[0]"},
		{"math.div", jsonParams{"1", "0"}, 7, "division by zero"},
		{"fails", nil, 7, "plain failure"},
		{"coded", nil, 42, "the answer"},
		{"boom", nil, rpc.CodeInternalError, "internal error in boom"},
	}
	for _, tt := range tests {
		t.Run(tt.method[:min(len(tt.method), 20)], func(t *testing.T) {
			_, err := r.Call(context.Background(), jsonProto, tt.method, tt.params)
			if err == nil {
				t.Fatal("no error")
			}
			code, msg := rpc.Translate(err, cfg.ErrorCode)
			if code != tt.code || !strings.Contains(msg, tt.contains) {
				t.Fatalf("got %d %q, want %d containing %q", code, msg, tt.code, tt.contains)
			}
			if len(msg) > 300 {
				t.Fatalf("message of %d bytes is not cut short", len(msg))
			}
			if strings.Contains(msg, ".go") || strings.Contains(msg, "goroutine") {
				t.Fatalf("message leaks internals: %q", msg)
			}
		})
	}
	if !strings.Contains(logBuf.String(), "kaboom") || !strings.Contains(logBuf.String(), "registry_test.go") {
		t.Fatalf("panic not logged with its stack: %s", logBuf.String())
	}
	// The registry keeps serving after a panic.
	if got, err := r.Call(context.Background(), nil, "add", jsonParams{"2", "3"}); err != nil || got != 5 {
		t.Fatalf("after panic: %v %v", got, err)
	}
	var e *rpc.Error
	_, err := r.Call(context.Background(), nil, "add", jsonParams{"1", `"x"`})
	var je *json.UnmarshalTypeError
	if !errors.As(err, &e) || !errors.As(err, &je) {
		t.Fatalf("invalid params error %v does not wrap the decode error", err)
	}
}

func TestRegisterRefuses(t *testing.T) {
	r := newRegistry(t, nil)
	r.MustRegister("taken", func() {}, "")
	tests := []struct {
		name string
		fn   any
		want error
	}{
		{"", func() {}, rpc.ErrInvalidName},
		{"has space", func() {}, rpc.ErrInvalidName},
		{"ctl\x00", func() {}, rpc.ErrInvalidName},
		{"bad\xff", func() {}, rpc.ErrInvalidName},
		{"system.mine", func() {}, rpc.ErrReserved},
		{"taken", func() {}, rpc.ErrDuplicate},
		{"notfunc", 42, rpc.ErrUnsupported},
		{"nilfunc", (func())(nil), rpc.ErrUnsupported},
		{"chan", func(chan int) {}, rpc.ErrUnsupported},
		{"fnparam", func(func()) {}, rpc.ErrUnsupported},
		{"complex", func(complex128) {}, rpc.ErrUnsupported},
		{"intkeys", func(map[int]string) {}, rpc.ErrUnsupported},
		{"iface", func(fmt.Stringer) {}, rpc.ErrUnsupported},
		{"nested", func([]map[string]chan int) {}, rpc.ErrUnsupported},
		{"three", func() (int, int, error) { return 0, 0, nil }, rpc.ErrUnsupported},
		{"notlasterr", func() (int, int) { return 0, 0 }, rpc.ErrUnsupported},
		{"chanresult", func() chan int { return nil }, rpc.ErrUnsupported},
	}
	for _, tt := range tests {
		if err := r.Register(tt.name, tt.fn, ""); !errors.Is(err, tt.want) {
			t.Errorf("Register(%q, %T) = %v, want %v", tt.name, tt.fn, err, tt.want)
		}
	}
}

// calc is registered with RegisterValue; only its exported methods must be reachable.
type calc struct {
	Base   int // an exported field: never reachable
	hidden int
}

func (c *calc) Add(a, b int) int        { return c.Base + a + b }
func (c *calc) GetState() string        { return "ok" }
func (c *calc) HTTPGet() string         { return "got" }
func (c *calc) internal() int           { return c.hidden }
func (c *calc) RPCHelp(m string) string { return "calc's " + m }
func (c *calc) Nested() *calc           { return c }
func (c *calc) Scale(ctx context.Context, f float64) (float64, error) {
	return f * float64(c.Base), ctx.Err()
}

func TestRegisterValue(t *testing.T) {
	r := newRegistry(t, nil)
	c := &calc{Base: 100}
	if err := r.RegisterValue("calc", c); err != nil {
		t.Fatal(err)
	}
	_ = c.internal()
	var names []string
	for _, m := range r.Methods() {
		if !strings.HasPrefix(m.Name(), "system.") {
			names = append(names, m.Name())
		}
	}
	want := []string{"calc.add", "calc.getState", "calc.httpGet", "calc.nested", "calc.scale"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("registered %v, want %v", names, want)
	}
	if got, err := r.Call(context.Background(), nil, "calc.add", jsonParams{"1", "2"}); err != nil || got != 103 {
		t.Fatalf("calc.add = %v, %v", got, err)
	}
	m, _ := r.Lookup("calc.add")
	if m.Help() != "calc's Add" {
		t.Fatalf("help %q", m.Help())
	}
	for _, name := range []string{"calc.Add", "calc.base", "calc.Base", "calc.hidden", "calc.internal",
		"calc.nested.add", "calc.rPCHelp", "calc.rpcHelp", "calc.add.__class__", "calc"} {
		if _, err := r.Call(context.Background(), nil, name, jsonParams{"1", "2"}); err == nil {
			t.Errorf("%s is reachable", name)
		} else if code, _ := rpc.Translate(err, 1); code != rpc.CodeMethodNotFound {
			t.Errorf("%s: code %d, want method not found", name, code)
		}
	}
	// A second registration clashing on one name registers nothing.
	r.MustRegister("other.getState", func() {}, "")
	if err := r.RegisterValue("other", c); !errors.Is(err, rpc.ErrDuplicate) {
		t.Fatalf("clash: %v", err)
	}
	if _, ok := r.Lookup("other.add"); ok {
		t.Fatal("failed RegisterValue registered some methods")
	}
	if err := r.RegisterValue("", struct{}{}); !errors.Is(err, rpc.ErrUnsupported) {
		t.Fatalf("no methods: %v", err)
	}
}

func TestIntrospection(t *testing.T) {
	r := newRegistry(t, nil)
	registerAll(t, r)
	ctx := context.Background()
	call := func(method string, ps ...string) any {
		t.Helper()
		got, err := r.Call(ctx, jsonProto, method, jsonParams(ps))
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return got
	}
	names := call("system.listMethods").([]string)
	if len(names) != 20 || names[0] != "add" || names[len(names)-1] != "tagged" {
		t.Fatalf("listMethods = %v", names)
	}
	for _, want := range []string{"system.multicall", "system.methodSignature", "math.div"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Fatalf("listMethods lacks %s", want)
		}
	}
	if got := call("system.methodHelp", `"math.div"`); got != "help for math.div" {
		t.Fatalf("methodHelp = %v", got)
	}
	sigs := map[string][]string{
		"add":              {"int", "int", "int"},
		"math.div":         {"float64", "float64", "float64"},
		"ctx.value":        {"string"},
		"sum":              {"string", "string", "int"},
		"point":            {"int", "struct"},
		"echo":             {"interface", "interface"},
		"nothing":          {"nil"},
		"fails":            {"nil"},
		"system.multicall": {"slice", "slice"},
	}
	for name, want := range sigs {
		got := call("system.methodSignature", `"`+name+`"`).([][]string)
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("signature of %s = %v, want [%v]", name, got, want)
		}
	}
	// Without a protocol, Go's own type names.
	if got, _ := r.Call(ctx, nil, "system.methodSignature", jsonParams{`"point"`}); !reflect.DeepEqual(got, [][]string{{"int", "rpc_test.point"}}) {
		t.Errorf("Go-named signature = %v", got)
	}
	if call("system.methodExist", `"add"`) != true || call("system.methodExist", `"nope"`) != false {
		t.Fatal("methodExist")
	}
	caps := call("system.getCapabilities").(map[string]any)
	if caps["test.cap"] != 7 || caps["faults_interop"].(map[string]any)["specVersion"] != 20010516 {
		t.Fatalf("capabilities = %v", caps)
	}
	for _, m := range []string{"system.methodHelp", "system.methodSignature"} {
		_, err := r.Call(ctx, jsonProto, m, jsonParams{`"nope"`})
		if code, _ := rpc.Translate(err, 1); code != rpc.CodeMethodNotFound {
			t.Errorf("%s(nope): %v", m, err)
		}
		_, err = r.Call(ctx, jsonProto, m, jsonParams{`5`})
		if code, _ := rpc.Translate(err, 1); code != rpc.CodeInvalidParams {
			t.Errorf("%s(5): %v", m, err)
		}
	}
}

func TestMulticall(t *testing.T) {
	cfg := rpc.DefaultConfig()
	cfg.MaxMulticall = 10
	r := newRegistry(t, cfg)
	registerAll(t, r)
	batch := `[
		{"methodName":"add","params":[2,3]},
		{"methodName":"point","params":[{"X":2,"Y":5}]},
		{"methodName":"nope","params":[]},
		{"methodName":"fails"},
		{"methodName":"system.multicall","params":[[]]},
		{"methodName":"add","params":[1]},
		{"params":[1]},
		"not a struct",
		{"methodName":"boom","params":[]},
		{"methodName":"add","params":"notarray"}
	]`
	got, err := r.Call(context.Background(), jsonProto, "system.multicall", jsonParams{batch})
	if err != nil {
		t.Fatal(err)
	}
	fault := func(code int) map[string]any { return map[string]any{"faultCode": code} }
	want := []any{
		[]any{5}, []any{10}, fault(rpc.CodeMethodNotFound), fault(1), fault(rpc.CodeInvalidRequest),
		fault(rpc.CodeInvalidParams), fault(rpc.CodeInvalidRequest), fault(rpc.CodeInvalidRequest),
		fault(rpc.CodeInternalError), fault(rpc.CodeInvalidRequest),
	}
	res := got.([]any)
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d", len(res), len(want))
	}
	for i, w := range want {
		if wf, ok := w.(map[string]any); ok {
			f, ok := res[i].(map[string]any)
			if !ok || f["faultCode"] != wf["faultCode"] || f["faultString"] == "" {
				t.Errorf("result %d = %#v, want fault %v", i, res[i], wf["faultCode"])
			}
			continue
		}
		if !reflect.DeepEqual(res[i], w) {
			t.Errorf("result %d = %#v, want %#v", i, res[i], w)
		}
	}
	_, err = r.Call(context.Background(), jsonProto, "system.multicall", jsonParams{"[" + strings.Repeat(`{},`, 10) + "{}]"})
	if code, msg := rpc.Translate(err, 1); code != rpc.CodeInvalidParams || !strings.Contains(msg, "limit of 10") {
		t.Fatalf("over the limit: %v", err)
	}
	// Without a protocol's Convert, values are assigned with numeric conversion only.
	got, err = r.Call(context.Background(), nil, "system.multicall", jsonParams{`[{"methodName":"add","params":[2,3]},{"methodName":"point","params":[{}]}]`})
	if err != nil {
		t.Fatal(err)
	}
	if res := got.([]any); !reflect.DeepEqual(res[0], []any{5}) || res[1].(map[string]any)["faultCode"] != rpc.CodeInvalidParams {
		t.Fatalf("plain multicall = %#v", res)
	}
}

func TestMulticallStopsWhenCancelled(t *testing.T) {
	r := newRegistry(t, nil)
	registerAll(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Call(ctx, jsonProto, "system.multicall", jsonParams{`[{"methodName":"add","params":[1,2]}]`})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled multicall: %v", err)
	}
}

func TestConcurrentRegisterAndCall(t *testing.T) {
	r := newRegistry(t, nil)
	registerAll(t, r)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if got, err := r.Call(context.Background(), nil, "add", jsonParams{"2", "3"}); err != nil || got != 5 {
					t.Errorf("add = %v, %v", got, err)
					return
				}
			}
		}()
	}
	v := r.Version()
	for i := 0; i < 50; i++ {
		r.MustRegister(fmt.Sprintf("dyn.m%d", i), func() int { return i }, "")
	}
	wg.Wait()
	if r.Version() != v+50 {
		t.Fatalf("version %d after 50 registrations from %d", r.Version(), v)
	}
	if got, _ := r.Call(context.Background(), nil, "dyn.m7", nil); got != 7 {
		t.Fatalf("dyn.m7 = %v", got)
	}
}

func TestVerifyConfig(t *testing.T) {
	for _, c := range []rpc.Config{{ErrorCode: -32000, MaxMulticall: 1}, {ErrorCode: 1, MaxMulticall: 0}} {
		if _, err := rpc.NewRegistry(&c); !errors.Is(err, rpc.ErrInvalidConfig) {
			t.Errorf("NewRegistry(%+v) = %v", c, err)
		}
	}
	if err := rpc.VerifyConfig(rpc.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
}

func TestTranslate(t *testing.T) {
	if c, m := rpc.Translate(nil, 5); c != 0 || m != "" {
		t.Fatal("nil")
	}
	if c, m := rpc.Translate(&rpc.Error{Code: -32602, Message: "m"}, 5); c != -32602 || m != "m" {
		t.Fatal("rpc.Error")
	}
	if c, m := rpc.Translate(fmt.Errorf("ctx: %w", codedErr{}), 5); c != 42 || m != "the answer" {
		t.Fatal("coded")
	}
	if c, m := rpc.Translate(errPlain, 5); c != 5 || m != "plain failure" {
		t.Fatal("plain")
	}
}

// addParams is a zero-allocation Params for the benchmark: two ints.
type addParams [2]int

func (p *addParams) NumParams() int { return 2 }
func (p *addParams) DecodeParam(i int, v any) error {
	*(v.(*int)) = p[i]
	return nil
}

// scalarAddParams are addParams offering their ints as rpc.ScalarParams, as the codecs do.
type scalarAddParams struct{ addParams }

func (p *scalarAddParams) IntParam(i int) (int64, bool)     { return int64(p.addParams[i]), true }
func (p *scalarAddParams) StringParam(i int) (string, bool) { return "", false }

// BenchmarkCallAdd calls add(2, 3) registered as a plain function (bound by reflection) and as a
// typed rpc.Func2, with Params that are rpc.ScalarParams as the codecs' are ("func") and with
// Params that are not ("func-decode").
func BenchmarkCallAdd(b *testing.B) {
	typed := rpc.Func2(func(_ context.Context, a, b int) (int, error) { return a + b, nil })
	for _, c := range []struct {
		name string
		fn   any
		ps   rpc.Params
	}{
		{"reflect", func(a, b int) int { return a + b }, &addParams{2, 3}},
		{"func", typed, &scalarAddParams{addParams{2, 3}}},
		{"func-decode", typed, &addParams{2, 3}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := newRegistry(b, nil)
			r.MustRegister("add", c.fn, "")
			ps := c.ps
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Call(ctx, nil, "add", ps); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestParameterStructsStartZero: parameter memory is reused from call to call, so every call
// must start from zero values: a struct member or map entry one call sent is not seen by the next,
// under any concurrency.
func TestParameterStructsStartZero(t *testing.T) {
	r := newRegistry(t, nil)
	r.MustRegister("look", func(p point, m map[string]int, s []int) string {
		return fmt.Sprint(p.X, p.Y, len(m), len(s))
	}, "")
	full := jsonParams{`{"X":1,"Y":2}`, `{"a":1,"b":2}`, `[1,2,3]`}
	bare := jsonParams{`{"X":5}`, `{}`, `[]`}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				ps, want := full, "1 2 2 3"
				if (g+i)%2 == 1 {
					ps, want = bare, "5 0 0 0"
				}
				got, err := r.Call(context.Background(), jsonProto, "look", ps)
				if err != nil || got != want {
					t.Errorf("got %v, %v; want %q", got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
