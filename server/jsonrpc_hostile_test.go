package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

// jsonBystander keeps calling add over JSON-RPC on addr until stop is closed, counting successes
// and failures.
func jsonBystander(addr string, stop <-chan struct{}) (ok, failed *atomic.Int64, wait func()) {
	ok, failed = new(atomic.Int64), new(atomic.Int64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cl := &http.Client{Timeout: 2 * time.Second}
		for i := 0; i < 100000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":` + strconv.Itoa(i) + `}`
			resp, err := cl.Post("http://"+addr+"/", "application/json", strings.NewReader(body))
			if err != nil {
				failed.Add(1)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var n int
			if err := (jsonrpc.DecodeOptions{}).UnmarshalResponseID(b, jsonrpc.IntID(int64(i)), &n); err == nil && n == 5 {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return ok, failed, wg.Wait
}

func jsonHeader(extra ...string) string {
	h := "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

// chunkedJSON writes head, then chunks of rep until n bytes have gone, as a chunked body.
func chunkedJSON(c net.Conn, head, rep string, n int64) error {
	w := bufio.NewWriterSize(c, 64<<10)
	fmt.Fprintf(w, "%x\r\n%s\r\n", len(head), head)
	chunk := strings.Repeat(rep, (32<<10)/len(rep))
	for sent := int64(0); sent < n; sent += int64(len(chunk)) {
		if _, err := fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
			return err // the server closed: what it should do
		}
	}
	return w.Flush()
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
			return chunkedJSON(c, "[", addCall+",", 1_000_000*int64(len(addCall)+1))
		}, 413, 0, "too large"},
		{"200 MiB declared", func(c net.Conn) error {
			_, err := io.WriteString(c, jsonHeader("Content-Length: "+strconv.Itoa(200<<20)))
			return err
		}, 413, 0, "too large"},
		{"200 MiB string streamed", func(c net.Conn) error {
			if _, err := io.WriteString(c, jsonHeader("Transfer-Encoding: chunked")); err != nil {
				return err
			}
			return chunkedJSON(c, `{"jsonrpc":"2.0","method":"echo","params":["`, "a", 200<<20)
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
