package server_test

import (
	"net/http"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

// FuzzServeJSONRPC feeds arbitrary bodies to the handler as JSON-RPC: it must never panic, and
// must answer 200 with well-formed responses (one, or a batch of them), 204 with no body (only
// notifications), or a 4xx refusal.
func FuzzServeJSONRPC(f *testing.F) {
	s := fuzzServer(f,
		`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`,
		`[{"jsonrpc":"2.0","method":"echo","params":{"a":[1,2.5,"x",null]},"id":"s"},{"jsonrpc":"2.0","method":"add","params":[1,2]},1]`,
		`{"jsonrpc":"2.0","method":"system.multicall","params":[[{"methodName":"record","params":[{"when":"2024-05-01T00:00:00Z","blob":"AAE="}]}]],"id":null}`,
		`{"method":"add","params":[1,2],"id":7}`,
		`{"jsonrpc":"2.0","method":"echo","params":[9007199254740993e0, "\ud83d\ude00"],"id":1e3}`,
		`[]`,
		"",
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := record(s, "application/json", body)
		switch {
		case rec.Code == http.StatusOK:
			if _, _, err := jsonrpc.DecodeResponses(rec.Body.Bytes()); err != nil {
				t.Fatalf("unreadable answer %q to %q: %v", rec.Body.Bytes(), body, err)
			}
		case rec.Code == http.StatusNoContent:
			if rec.Body.Len() != 0 {
				t.Fatalf("204 with a body %q", rec.Body.Bytes())
			}
		case rec.Code >= 400 && rec.Code < 500:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
