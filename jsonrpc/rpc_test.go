package jsonrpc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/rpc"
)

// Login is a Zabbix-style named-params struct.
type Login struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// Request is what rpc.Registry.Call takes.
var _ rpc.Params = (*jsonrpc.Request)(nil)

// registryCodec serves a real rpc.Registry over JSON-RPC, the way server/ does.
func registryCodec(t *testing.T) func(body string) string {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", func(a, b int) int { return a + b }, "Adds.")
	reg.MustRegister("sum", func(xs ...int64) int64 {
		var n int64
		for _, x := range xs {
			n += x
		}
		return n
	}, "Sums.")
	reg.MustRegister("user.login", func(l Login) (string, error) {
		if l.User == "Admin" && l.Password == "zabbix" {
			return "0424bd59b807674191e7d77572075f33", nil
		}
		return "", errors.New("login name or password is incorrect")
	}, "Logs in.")
	reg.MustRegister("tally", func(m map[string]int) int { return len(m) }, "Counts.")
	reg.MustRegister("when", func(t time.Time, b []byte) string { return t.UTC().Format(time.Kitchen) + string(b) }, "Formats.")
	reg.MustRegister("echo", func(v any) any { return v }, "Echoes.")
	reg.MustRegister("fail", func() error { return &jsonrpc.Error{Code: 42, Message: "nope", Data: []int{1}} }, "Fails.")
	proto := rpc.Protocol{Name: "jsonrpc", TypeName: jsonrpc.TypeName, Convert: jsonrpc.Convert}
	c := jsonrpc.Codec{ErrorCode: reg.Config().ErrorCode}
	return func(body string) string {
		out, _ := c.Serve(context.Background(), nil, []byte(body), func(ctx context.Context, r *jsonrpc.Request) (any, error) {
			return reg.Call(ctx, &proto, r.Method, r)
		})
		return string(out)
	}
}

func TestRegistryBinding(t *testing.T) {
	serve := registryCodec(t)
	for _, tt := range []struct{ req, want string }{
		{`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":5}`},
		{`{"jsonrpc":"2.0","method":"sum","params":[9007199254740993,1],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":9007199254740994}`},
		{`{"jsonrpc":"2.0","method":"sum","id":1}`, `{"jsonrpc":"2.0","id":1,"result":0}`},
		{`{"jsonrpc":"2.0","method":"user.login","params":{"user":"Admin","password":"zabbix"},"id":1}`,
			`{"jsonrpc":"2.0","id":1,"result":"0424bd59b807674191e7d77572075f33"}`},
		{`{"jsonrpc":"2.0","method":"user.login","params":{"user":"Admin","password":"x"},"id":2}`,
			`{"jsonrpc":"2.0","id":2,"error":{"code":1,"message":"login name or password is incorrect"}}`},
		{`{"jsonrpc":"2.0","method":"user.login","params":[{"user":"Admin","password":"zabbix"}],"id":1}`,
			`{"jsonrpc":"2.0","id":1,"result":"0424bd59b807674191e7d77572075f33"}`},
		{`{"jsonrpc":"2.0","method":"tally","params":{"a":1,"b":2,"c":3},"id":1}`, `{"jsonrpc":"2.0","id":1,"result":3}`},
		{`{"jsonrpc":"2.0","method":"when","params":["2024-01-02T15:04:05Z","IQ=="],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":"3:04PM!"}`},
		{`{"jsonrpc":"2.0","method":"fail","id":1}`, `{"jsonrpc":"2.0","id":1,"error":{"code":42,"message":"nope","data":[1]}}`},
		{`{"method":"add","params":[2,3],"id":9}`, `{"id":9,"result":5,"error":null}`},
		{`{"jsonrpc":"2.0","method":"system.methodSignature","params":["when"],"id":1}`,
			`{"jsonrpc":"2.0","id":1,"result":[["string","string","string"]]}`},
		{`{"jsonrpc":"2.0","method":"system.multicall","params":[[{"methodName":"add","params":[1,2]},{"methodName":"nope"}]],"id":1}`,
			`{"jsonrpc":"2.0","id":1,"result":[[3],{"faultCode":-32601,"faultString":"method not found: \"nope\""}]}`},
	} {
		if got := serve(tt.req); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.req, got, tt.want)
		}
	}
	for _, tt := range []struct{ req, code, msg string }{
		{`{"jsonrpc":"2.0","method":"nope","id":1}`, `-32601`, `method not found`},
		{`{"jsonrpc":"2.0","method":"add","params":{"a":2,"b":3},"id":1}`, `-32602`, `takes 2 parameters, got 1`},
		{`{"jsonrpc":"2.0","method":"add","params":[2,"3"],"id":1}`, `-32602`, `params[1]`},
		{`{"jsonrpc":"2.0","method":"add","params":[2,3.5],"id":1}`, `-32602`, `params[1]`},
		{`{"jsonrpc":"2.0","method":"user.login","params":{"user":7},"id":1}`, `-32602`, `params.user`},
	} {
		got := serve(tt.req)
		if !strings.Contains(got, `"code":`+tt.code+`,`) || !strings.Contains(got, tt.msg) {
			t.Errorf("%s\n got %s\nwant code %s and %q", tt.req, got, tt.code, tt.msg)
		}
	}
	if got := serve(`{"jsonrpc":"2.0","method":"system.listMethods","id":1}`); !strings.Contains(got, `"user.login"`) {
		t.Errorf("listMethods: %s", got)
	}
}
