package server_test

import (
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

// jsonBystander keeps calling add over JSON-RPC on addr until stop is closed, counting successes
// and failures.
func jsonBystander(addr string, stop <-chan struct{}) (ok, failed *atomic.Int64, wait func()) {
	return caller(addr, "/", "application/json", stop,
		func(i int) string {
			return `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":` + strconv.Itoa(i) + `}`
		},
		func(i int, b []byte) bool {
			var n int
			return (jsonrpc.DecodeOptions{}).UnmarshalResponseID(b, jsonrpc.IntID(int64(i)), &n) == nil && n == 5
		})
}

func jsonHeader(extra ...string) string {
	h := "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

func TestJSONRPCHostileInput(t *testing.T) {
	grown := watchRSS()
	addr := hostileServer(t)
	stop := make(chan struct{})
	xok, xfailed, xwait := bystander(t, addr, stop)
	jok, jfailed, jwait := jsonBystander(addr, stop)

	echo := func(params string) string {
		return `{"jsonrpc":"2.0","method":"echo","params":[` + params + `],"id":1}`
	}
	const addCall = `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`
	sendBody := func(body string) func(c net.Conn) error {
		return func(c net.Conn) error {
			_, err := io.WriteString(c, jsonHeader("Content-Length: "+strconv.Itoa(len(body)))+body)
			return err
		}
	}
	tests := []struct {
		name   string
		write  func(c net.Conn) error
		status int
		code   int    // with status 200
		within string // the error message or body contains
	}{
		{"200,000-deep nesting", sendBody(echo(strings.Repeat("[", 200000))), 200, jsonrpc.CodeParseError, "depth limit of 100"},
		{"200,000-deep objects", sendBody(echo(strings.Repeat(`{"a":`, 200000))), 200, jsonrpc.CodeParseError, "depth limit"},
		{"5,000-digit integer", sendBody(echo(strings.Repeat("9", 5000))), 200, jsonrpc.CodeParseError, "number length"},
		{"5,000-digit fraction", sendBody(echo("0." + strings.Repeat("1", 5000))), 200, jsonrpc.CodeParseError, "number length"},
		{"huge exponent", sendBody(echo("1e999999999")), 200, jsonrpc.CodeInvalidParams, "out of range"},
		{"duplicate method", sendBody(`{"jsonrpc":"2.0","method":"add","method":"echo","params":[1],"id":1}`), 200, jsonrpc.CodeParseError, "duplicate"},
		{"duplicate escaped key", sendBody(echo(`{"a":1,"\u0061":2}`)), 200, jsonrpc.CodeParseError, "duplicate"},
		{"invalid UTF-8", sendBody(echo("\"\xff\xfe\"")), 200, jsonrpc.CodeParseError, "UTF-8"},
		{"lone surrogate", sendBody(echo(`"\ud800"`)), 200, jsonrpc.CodeParseError, "lone surrogate"},
		{"1,000,000-entry batch", sendBody("[" + strings.Repeat("1,", 999999) + "1]"), 200, jsonrpc.CodeInvalidRequest, "batch limit of 1000"},
		{"1,001-request batch", sendBody("[" + strings.Repeat(addCall+",", 1000) + addCall + "]"), 200, jsonrpc.CodeInvalidRequest, "batch limit"},
		{"1,100,000 values", sendBody(echo("[" + strings.Repeat("0,", 1100000) + "0]")), 200, jsonrpc.CodeParseError, "values limit"},
		{"not JSON", sendBody("{GIF89a"), 200, jsonrpc.CodeParseError, "parse error"},
		{"not a request", sendBody(`{"jsonrpc":"2.0","result":1,"id":1}`), 200, jsonrpc.CodeInvalidRequest, "method"},
		{"1,000,000 requests streamed", func(c net.Conn) error {
			if _, err := io.WriteString(c, jsonHeader("Transfer-Encoding: chunked")); err != nil {
				return err
			}
			return chunked(c, "[", addCall+",", 1_000_000*int64(len(addCall)+1))
		}, 413, 0, "too large"},
		{"200 MiB declared", func(c net.Conn) error {
			_, err := io.WriteString(c, jsonHeader("Content-Length: "+strconv.Itoa(200<<20)))
			return err
		}, 413, 0, "too large"},
		{"200 MiB string streamed", func(c net.Conn) error {
			if _, err := io.WriteString(c, jsonHeader("Transfer-Encoding: chunked")); err != nil {
				return err
			}
			return chunked(c, `{"jsonrpc":"2.0","method":"echo","params":["`, "a", 200<<20)
		}, 413, 0, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			status, body := rawExchange(t, addr, tt.write)
			if took, budget := time.Since(start), hostileBudget*raceSlowdown; took > budget {
				t.Errorf("answered after %v, budget %v", took, budget)
			}
			if status != tt.status {
				t.Fatalf("status %d (%.200s), want %d", status, body, tt.status)
			}
			if status != 200 {
				if !strings.Contains(body, tt.within) {
					t.Fatalf("body %q lacks %q", body, tt.within)
				}
				return
			}
			rs, batch, err := jsonrpc.DecodeResponses([]byte(body))
			if err != nil || batch || rs[0].Err == nil {
				t.Fatalf("want one error object, got %.300s (%v)", body, err)
			}
			e := rs[0].Err
			if e.Code != tt.code || !strings.Contains(e.Message, tt.within) {
				t.Fatalf("error %d %q, want %d containing %q", e.Code, e.Message, tt.code, tt.within)
			}
			if len(body) > 1200 {
				t.Fatalf("answer of %d bytes", len(body))
			}
		})
	}
	close(stop)
	xwait()
	jwait()
	if xok.Load() == 0 || xfailed.Load() != 0 || jok.Load() == 0 || jfailed.Load() != 0 {
		t.Fatalf("bystanders: XML-RPC %d served, %d failed; JSON-RPC %d served, %d failed",
			xok.Load(), xfailed.Load(), jok.Load(), jfailed.Load())
	}
	rss := grown()
	t.Logf("bystanders: %d XML-RPC and %d JSON-RPC calls served meanwhile; RSS grew by at most %d KiB", xok.Load(), jok.Load(), rss)
	checkRSS(t, rss)
}
