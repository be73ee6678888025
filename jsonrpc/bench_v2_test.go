//go:build goexperiment.jsonv2

package jsonrpc_test

// encoding/json/v2 on the same payloads as bench_test.go. In Go 1.26 it exists only with
// GOEXPERIMENT=jsonv2:
//
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench . -benchmem ./jsonrpc/

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

type v2Request struct {
	JSONRPC string         `json:"jsonrpc"`
	Method  string         `json:"method"`
	Params  jsontext.Value `json:"params"`
	ID      jsontext.Value `json:"id"`
}

type v2Response struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id"`
	Result  any            `json:"result"`
}

func BenchmarkDecodeAddRequestV2(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var req v2Request
		if err := jsonv2.Unmarshal(addRequest, &req); err != nil {
			b.Fatal(err)
		}
		var params [2]int
		if err := jsonv2.Unmarshal(req.Params, &params); err != nil || params[0]+params[1] != 5 || req.Method != "add" {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeAddResponseV2(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jsonv2.Marshal(v2Response{JSONRPC: "2.0", ID: jsontext.Value("1"), Result: 5}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRowsResponseV2(b *testing.B) {
	rows := benchRows()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := jsonv2.Marshal(v2Response{JSONRPC: "2.0", ID: jsontext.Value("1"), Result: rows})
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.SetBytes(int64(n))
}

func BenchmarkDecodeRowsResponseV2(b *testing.B) {
	reqs, _, _ := jsonrpc.DecodeRequests(addRequest)
	doc, err := (jsonrpc.EncodeOptions{}).AppendResponse(nil, &reqs[0], benchRows())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		var resp struct {
			Result []Row          `json:"result"`
			Error  jsontext.Value `json:"error"`
		}
		if err := jsonv2.Unmarshal(doc, &resp); err != nil || len(resp.Result) != 1000 {
			b.Fatal(err)
		}
	}
}
