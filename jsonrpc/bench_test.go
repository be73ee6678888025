package jsonrpc_test

// Benchmarks of the codec against encoding/json on the same payloads:
//
//	go test -run '^$' -bench . -benchmem ./jsonrpc/
//
// and with encoding/json/v2 too (bench_v2_test.go, built only with the experiment on):
//
//	GOEXPERIMENT=jsonv2 go test -run '^$' -bench . -benchmem ./jsonrpc/

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

// Row is one struct of the 1,000-struct result.
type Row struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Score   float64   `json:"score"`
	Active  bool      `json:"active"`
	Tags    []string  `json:"tags"`
	Created time.Time `json:"created"`
}

func benchRows() []Row {
	rows := make([]Row, 1000)
	for i := range rows {
		rows[i] = Row{ID: int64(i) * 7919, Name: "user " + strconv.Itoa(i), Email: "user" + strconv.Itoa(i) + "@example.com",
			Score: float64(i) / 7, Active: i%3 == 0, Tags: []string{"a", "b" + strconv.Itoa(i%10)},
			Created: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)}
	}
	return rows
}

var addRequest = []byte(`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`)

// stdRequest is how a server reads a request with encoding/json.
type stdRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	ID      json.RawMessage `json:"id"`
}

// stdResponse is how a server writes a response with encoding/json.
type stdResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result"`
}

func BenchmarkDecodeAddRequest(b *testing.B) {
	b.Run("harp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			reqs, _, err := jsonrpc.DecodeRequests(addRequest)
			if err != nil {
				b.Fatal(err)
			}
			var x, y int
			if err := reqs[0].DecodeParam(0, &x); err != nil {
				b.Fatal(err)
			}
			if err := reqs[0].DecodeParam(1, &y); err != nil || x+y != 5 || reqs[0].Method != "add" {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var req stdRequest
			if err := json.Unmarshal(addRequest, &req); err != nil {
				b.Fatal(err)
			}
			var params [2]int
			if err := json.Unmarshal(req.Params, &params); err != nil || params[0]+params[1] != 5 || req.Method != "add" {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeAddResponse(b *testing.B) {
	reqs, _, _ := jsonrpc.DecodeRequests(addRequest)
	b.Run("harp", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = (jsonrpc.EncodeOptions{}).AppendResponse(buf[:0], &reqs[0], 5); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(stdResponse{JSONRPC: "2.0", ID: json.RawMessage("1"), Result: 5}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeRowsResponse(b *testing.B) {
	rows := benchRows()
	reqs, _, _ := jsonrpc.DecodeRequests(addRequest)
	b.Run("harp", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = (jsonrpc.EncodeOptions{}).AppendResponse(buf[:0], &reqs[0], rows); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			out, err := json.Marshal(stdResponse{JSONRPC: "2.0", ID: json.RawMessage("1"), Result: rows})
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

func BenchmarkDecodeRowsResponse(b *testing.B) {
	reqs, _, _ := jsonrpc.DecodeRequests(addRequest)
	doc, err := (jsonrpc.EncodeOptions{}).AppendResponse(nil, &reqs[0], benchRows())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var rows []Row
			if err := jsonrpc.UnmarshalResponse(doc, &rows); err != nil || len(rows) != 1000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var resp struct {
				Result []Row           `json:"result"`
				Error  json.RawMessage `json:"error"`
			}
			if err := json.Unmarshal(doc, &resp); err != nil || len(resp.Result) != 1000 {
				b.Fatal(err)
			}
		}
	})
}
