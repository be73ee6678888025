package jsonrpc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

// A server answers a body with Codec.Serve: here a batch with a call, a notification (run, not
// answered) and an invalid entry.
func Example() {
	var c jsonrpc.Codec
	body := []byte(`[
		{"jsonrpc": "2.0", "method": "add", "params": [2, 3], "id": 1},
		{"jsonrpc": "2.0", "method": "log", "params": ["hello"]},
		{"jsonrpc": "2.0", "method": 7, "id": 2}
	]`)
	out, _ := c.Serve(context.Background(), nil, body, func(ctx context.Context, r *jsonrpc.Request) (any, error) {
		switch r.Method {
		case "add":
			var a, b int
			if err := r.DecodeParam(0, &a); err != nil {
				return nil, err
			}
			if err := r.DecodeParam(1, &b); err != nil {
				return nil, err
			}
			return a + b, nil
		case "log":
			var msg string
			err := r.DecodeParam(0, &msg)
			fmt.Println("log:", msg, err)
			return nil, err
		}
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found"}
	})
	fmt.Println(string(out))
	// Output:
	// log: hello <nil>
	// [{"jsonrpc":"2.0","id":1,"result":5},{"jsonrpc":"2.0","id":2,"error":{"code":-32600,"message":"invalid request: \"method\" must be a string"}}]
}

// Named params are one parameter, which binds to a struct.
func ExampleDecodeRequests() {
	reqs, batch, err := jsonrpc.DecodeRequests([]byte(`{"jsonrpc":"2.0","method":"user.login","params":{"user":"Admin","password":"zabbix"},"id":1}`))
	if err != nil {
		panic(err)
	}
	var login struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	r := &reqs[0]
	err = r.DecodeParam(0, &login)
	fmt.Println(batch, r.Method, r.ID, r.Named(), r.NumParams(), login.User, err)
	// Output:
	// false user.login 1 true 1 Admin <nil>
}

// Errors name the path of the value that does not fit.
func ExampleRequest_DecodeParam() {
	reqs, _, _ := jsonrpc.DecodeRequests([]byte(`{"jsonrpc":"2.0","method":"import","params":[{"rows":[{"id":1},{"id":"two"}]}],"id":1}`))
	var table struct {
		Rows []struct {
			ID int `json:"id"`
		} `json:"rows"`
	}
	err := reqs[0].DecodeParam(0, &table)
	fmt.Println(err)
	fmt.Println(jsonrpc.ErrorCode(err) == jsonrpc.CodeInvalidParams)
	// Output:
	// jsonrpc: cannot unmarshal string into Go value of type int at params[0].rows[1].id
	// true
}

// A client writes a request and reads the response.
func ExampleEncodeOptions_AppendRequest() {
	req, err := jsonrpc.EncodeOptions{}.AppendRequest(nil, jsonrpc.IntID(1), "add", 2, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(req))

	var sum int
	err = jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","result":5,"id":1}`), &sum)
	fmt.Println(sum, err)
	// Output:
	// {"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}
	// 5 <nil>
}

// An error response is returned as an *Error, never confused with a failure to decode.
func ExampleUnmarshalResponse_error() {
	err := jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","error":{"code":-32601,"message":"method not found"},"id":1}`), nil)
	var rpcErr *jsonrpc.Error
	if errors.As(err, &rpcErr) {
		fmt.Println(rpcErr.Code, rpcErr.Message)
	}
	// Output:
	// -32601 method not found
}

// Values JSON lacks are mapped as the package documentation says; a large integer keeps its digits.
func ExampleMarshal() {
	doc, err := jsonrpc.Marshal(map[string]any{
		"blob":  []byte("hi"),
		"at":    time.Date(2024, 5, 1, 14, 30, 0, 0, time.FixedZone("CEST", 2*3600)),
		"big":   int64(9007199254740993),
		"ratio": 2.0,
		"none":  []int(nil),
	})
	fmt.Println(string(doc), err)
	// Output:
	// {"at":"2024-05-01T12:30:00Z","big":9007199254740993,"blob":"aGk=","none":[],"ratio":2.0} <nil>
}

// JavaScript clients lose integers beyond 2^53; LargeIntsAsStrings writes them as strings, which
// decode back into Go integers.
func ExampleEncodeOptions_largeIntsAsStrings() {
	o := jsonrpc.EncodeOptions{LargeIntsAsStrings: true}
	doc, _ := o.AppendValue(nil, []int64{42, 9007199254740993})
	var back []int64
	err := jsonrpc.Unmarshal(doc, &back)
	fmt.Println(string(doc), back, err)
	// Output:
	// [42,"9007199254740993"] [42 9007199254740993] <nil>
}

// Decoding into an interface gives the same natural Go types as the XML-RPC codec.
func ExampleUnmarshal() {
	var v any
	err := jsonrpc.Unmarshal([]byte(`[1, 4294967296, 1.5, "s", true, null, {"k": []}]`), &v)
	for _, x := range v.([]any) {
		fmt.Printf("%T ", x)
	}
	fmt.Println(err)
	// Output:
	// int int64 float64 string bool <nil> map[string]interface {} <nil>
}
