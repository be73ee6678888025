package jsonrpc_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

func TestAppendRequests(t *testing.T) {
	var o jsonrpc.EncodeOptions
	for _, tt := range []struct {
		got  func() ([]byte, error)
		want string
	}{
		{func() ([]byte, error) { return jsonrpc.MarshalRequest(jsonrpc.IntID(1), "add", 2, 3) },
			`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`},
		{func() ([]byte, error) { return o.AppendRequest(nil, jsonrpc.ID{}, "ping") },
			`{"jsonrpc":"2.0","method":"ping"}`},
		{func() ([]byte, error) { return o.AppendRequest(nil, jsonrpc.StringID("a\"b"), "m", nil, []int(nil)) },
			`{"jsonrpc":"2.0","method":"m","params":[null,[]],"id":"a\"b"}`},
		{func() ([]byte, error) {
			return o.AppendNamedRequest(nil, jsonrpc.NullID(), "user.login", struct {
				User     string `json:"user"`
				Password string `json:"password"`
			}{"Admin", "zabbix"})
		}, `{"jsonrpc":"2.0","method":"user.login","params":{"user":"Admin","password":"zabbix"},"id":null}`},
		{func() ([]byte, error) {
			return o.AppendRequestV1(nil, jsonrpc.IntID(0), "Arith.Multiply", map[string]int{"A": 7, "B": 8})
		},
			`{"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":0}`},
		{func() ([]byte, error) { return o.AppendRequestV1(nil, jsonrpc.ID{}, "log") },
			`{"method":"log","params":[],"id":null}`},
		{func() ([]byte, error) {
			return o.AppendBatch([]byte("x"), []jsonrpc.Call{
				{Method: "a", ID: jsonrpc.IntID(1), Params: []any{1}},
				{Method: "b", Named: map[string]any{"k": true}},
			})
		}, `x[{"jsonrpc":"2.0","method":"a","params":[1],"id":1},{"jsonrpc":"2.0","method":"b","params":{"k":true}}]`},
	} {
		got, err := tt.got()
		if err != nil || string(got) != tt.want {
			t.Errorf("got  %s, %v\nwant %s", got, err, tt.want)
		}
	}
	for name, f := range map[string]func() ([]byte, error){
		"named nil":   func() ([]byte, error) { return o.AppendNamedRequest(nil, jsonrpc.IntID(1), "m", nil) },
		"named array": func() ([]byte, error) { return o.AppendNamedRequest(nil, jsonrpc.IntID(1), "m", []int{1}) },
		"empty batch": func() ([]byte, error) { return o.AppendBatch(nil, nil) },
		"both kinds": func() ([]byte, error) {
			return o.AppendBatch(nil, []jsonrpc.Call{{Method: "m", Params: []any{1}, Named: struct{}{}}})
		},
		"unencodable param":  func() ([]byte, error) { return o.AppendRequest(nil, jsonrpc.IntID(1), "m", make(chan int)) },
		"invalid UTF-8 name": func() ([]byte, error) { return o.AppendRequest(nil, jsonrpc.IntID(1), "m\xff") },
	} {
		if got, err := f(); err == nil || len(got) != 0 {
			t.Errorf("%s: got %s, %v; want an error and nothing written", name, got, err)
		}
	}
}

func TestDecodeResponses(t *testing.T) {
	var n int
	if err := jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","result":5,"id":1}`), &n); err != nil || n != 5 {
		t.Errorf("result: %d %v", n, err)
	}
	if err := jsonrpc.UnmarshalResponse([]byte(`{"id":1,"result":5,"error":null}`), &n); err != nil || n != 5 {
		t.Errorf("1.0 result: %d %v", n, err)
	}
	if err := jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","result":7,"error":null,"id":1}`), &n); err != nil || n != 7 {
		t.Errorf("2.0 result with a null error: %d %v", n, err)
	}
	if err := jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","result":{"a":1},"id":1}`), nil); err != nil {
		t.Errorf("discarded result: %v", err)
	}
	for body, want := range map[string]*jsonrpc.Error{
		`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"1"}`:            {Code: -32601, Message: "Method not found"},
		`{"jsonrpc":"2.0","error":{"code":7,"message":"x","data":{"rows":[1,"a"]}},"id":null}`:       {Code: 7, Message: "x", Data: map[string]any{"rows": []any{1, "a"}}},
		`{"id":1,"result":null,"error":"division by zero"}`:                                          {Message: "division by zero"},
		`{"id":1,"result":null,"error":{"code":3,"message":"jsonrpclib style"}}`:                     {Code: 3, Message: "jsonrpclib style"},
		`{"id":1,"result":null,"error":[1]}`:                                                         {Message: "error", Data: []any{1}},
		`{"jsonrpc":"2.0","error":{"code":1,"message":"","data":null},"id":1,"extension":"ignored"}`: {Code: 1},
		`{"jsonrpc":"2.0","result":null,"error":{"code":2,"message":"both, result null"},"id":1}`:    {Code: 2, Message: "both, result null"},
	} {
		err := jsonrpc.UnmarshalResponse([]byte(body), &n)
		var je *jsonrpc.Error
		if !errors.As(err, &je) || !reflect.DeepEqual(je, want) {
			t.Errorf("%s: got %#v", body, err)
		}
		if jsonrpc.ErrorCode(err) != want.Code {
			t.Errorf("%s: ErrorCode %d", body, jsonrpc.ErrorCode(err))
		}
	}
	for _, body := range []string{
		`{"jsonrpc":"2.0","result":5}`,
		`{"jsonrpc":"2.0","id":1}`,
		`{"jsonrpc":"2.0","result":5,"error":{"code":1,"message":"x"},"id":1}`,
		`{"jsonrpc":"2.0","error":"text","id":1}`,
		`{"jsonrpc":"2.0","error":{"code":"1","message":"x"},"id":1}`,
		`{"jsonrpc":"2.0","error":{"message":"x"},"id":1}`,
		`{"jsonrpc":"1.0","result":5,"id":1}`,
		`{"jsonrpc":"2.0","result":5,"id":[1]}`,
		`[{"jsonrpc":"2.0","result":5,"id":1}]`,
		`5`, `[]`,
	} {
		err := jsonrpc.UnmarshalResponse([]byte(body), &n)
		var je *jsonrpc.Error
		if err == nil || errors.As(err, &je) || jsonrpc.ErrorCode(err) != jsonrpc.CodeInvalidRequest {
			t.Errorf("%s: got %v (code %d), want an invalid response", body, err, jsonrpc.ErrorCode(err))
		}
	}
	var s string
	var te *jsonrpc.UnmarshalTypeError
	if err := jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","result":[1],"id":1}`), &s); !errors.As(err, &te) || te.Path != "result" {
		t.Errorf("type error: %v", err)
	}
}

func TestDecodeResponseBatch(t *testing.T) {
	rs, batch, err := jsonrpc.DecodeOptions{}.DecodeResponses([]byte(`[
		{"jsonrpc":"2.0","id":"b","error":{"code":-32601,"message":"no"}},
		{"jsonrpc":"2.0","id":"a","result":[1,2]},
		{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid"}}]`))
	if err != nil || !batch || len(rs) != 3 {
		t.Fatalf("%v %v %d", err, batch, len(rs))
	}
	byID := map[string]*jsonrpc.Response{}
	for i := range rs {
		byID[rs[i].ID.String()] = &rs[i]
	}
	var got []int
	if r := byID[`"a"`]; r == nil || r.Decode(&got) != nil || !reflect.DeepEqual(got, []int{1, 2}) || string(r.RawResult()) != "[1,2]" {
		t.Errorf("entry a: %v", got)
	}
	if r := byID[`"b"`]; r == nil || r.Err == nil || r.Err.Code != -32601 || r.Decode(&got) != r.Err || r.RawResult() != nil {
		t.Errorf("entry b")
	}
	if r := byID["null"]; r == nil || !r.ID.IsNull() || r.Err.Code != -32600 {
		t.Errorf("entry null")
	}
	if _, _, err := (jsonrpc.DecodeOptions{MaxBatch: 2}).DecodeResponses([]byte(`[{"id":1,"result":1,"error":null},{"id":2,"result":1,"error":null},{"id":3,"result":1,"error":null}]`)); !errors.Is(err, jsonrpc.ErrBatchTooLarge) {
		t.Errorf("response batch limit: %v", err)
	}
}

func TestIDs(t *testing.T) {
	if !jsonrpc.StringID("aA").Equal(mustID(t, `"a\u0041"`)) || jsonrpc.StringID("a").Equal(jsonrpc.IntID(1)) || !jsonrpc.IntID(-3).Equal(mustID(t, " -3 ")) {
		t.Error("Equal")
	}
	if n, ok := mustID(t, "12").Int64(); !ok || n != 12 {
		t.Error("Int64")
	}
	if _, ok := mustID(t, `"12"`).Int64(); ok {
		t.Error("Int64 of a string")
	}
	if _, ok := mustID(t, `123456789012345678901234`).Int64(); ok {
		t.Error("Int64 beyond int64")
	}
	if !(jsonrpc.ID{}).IsAbsent() || !jsonrpc.NullID().IsNull() || jsonrpc.NullID().IsAbsent() || jsonrpc.IntID(1).String() != "1" {
		t.Error("predicates")
	}
	for _, bad := range []string{`true`, `{}`, `[]`, `1 2`, ``} {
		if _, err := jsonrpc.ParseID([]byte(bad)); err == nil {
			t.Errorf("ParseID(%s): no error", bad)
		}
	}
	if jsonrpc.Version1.String() != "1.0" || jsonrpc.Version2.String() != "2.0" {
		t.Error("Version.String")
	}
}

func mustID(t *testing.T, s string) jsonrpc.ID {
	t.Helper()
	id, err := jsonrpc.ParseID([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestUnmarshalResponseID(t *testing.T) {
	var n int
	o := jsonrpc.DecodeOptions{}
	if err := o.UnmarshalResponseID([]byte(`{"jsonrpc":"2.0","result":5,"id":"a\u0041"}`), jsonrpc.StringID("aA"), &n); err != nil || n != 5 {
		t.Errorf("matching id: %d %v", n, err)
	}
	if err := o.UnmarshalResponseID([]byte(`{"jsonrpc":"2.0","result":5,"id":2}`), jsonrpc.IntID(1), &n); !errors.Is(err, jsonrpc.ErrInvalidRequest) {
		t.Errorf("other id: %v", err)
	}
	var je *jsonrpc.Error
	if err := o.UnmarshalResponseID([]byte(`{"jsonrpc":"2.0","error":{"code":-32700,"message":"parse error"},"id":null}`), jsonrpc.IntID(1), &n); !errors.As(err, &je) || je.Code != -32700 {
		t.Errorf("null id error: %v", err)
	}
	if err := o.UnmarshalResponseID([]byte(`{"jsonrpc":"2.0","result":5,"id":null}`), jsonrpc.IntID(1), &n); !errors.Is(err, jsonrpc.ErrInvalidRequest) {
		t.Errorf("null id result: %v", err)
	}
}

func TestMatchResponses(t *testing.T) {
	rs, _, err := jsonrpc.DecodeResponses([]byte(`[
		{"jsonrpc":"2.0","id":"x","result":3},
		{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid"}},
		{"jsonrpc":"2.0","id":1,"result":1},
		{"jsonrpc":"2.0","id":1,"result":"duplicate"}]`))
	if err != nil {
		t.Fatal(err)
	}
	ids := []jsonrpc.ID{jsonrpc.IntID(1), {}, jsonrpc.StringID("x"), jsonrpc.IntID(9)}
	matched, unmatched := jsonrpc.MatchResponses(ids, rs)
	if matched[0] != &rs[2] || matched[1] != nil || matched[2] != &rs[0] || matched[3] != nil {
		t.Errorf("matched %v", matched)
	}
	if len(unmatched) != 2 || unmatched[0] != &rs[1] || unmatched[1] != &rs[3] {
		t.Errorf("unmatched %v", unmatched)
	}
}
