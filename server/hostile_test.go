package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// hostileBudget is how fast every hostile request must be answered (or cut off).
const hostileBudget = time.Second

// rawExchange writes req on a fresh connection to addr, optionally stalling afterwards, and returns
// the status line's code (0 when the server closed without answering) and the body.
func rawExchange(t *testing.T, addr string, write func(c net.Conn) error) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second)) // a hang fails the test, never blocks it
	werr := make(chan error, 1)
	go func() { werr <- write(c) }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// hostileServer serves on 127.0.0.1 with the default configuration, as ListenAndServe would.
func hostileServer(t *testing.T) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Logger = nil
	reg := testRegistry(t, nil)
	cfg2 := *cfg
	cfg2.Logger = discardLogger()
	s, err := server.New(reg, &cfg2)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	return addr
}

// bystander keeps calling add over XML-RPC on addr until stop is closed, counting successes and
// failures.
func bystander(t *testing.T, addr string, stop <-chan struct{}) (ok, failed *atomic.Int64, wait func()) {
	body, _ := xmlrpc.MarshalCall("add", 2, 3)
	return caller(addr, "/RPC2", "text/xml", stop,
		func(int) string { return string(body) },
		func(_ int, b []byte) bool {
			var n int
			return xmlrpc.UnmarshalResponse(b, &n) == nil && n == 5
		})
}

// caller posts body(i) with Content-Type ct to path on addr every 2 ms until stop is closed (at
// most 100,000 times), counting the answers check accepts and the rest.
func caller(addr, path, ct string, stop <-chan struct{}, body func(i int) string, check func(i int, answer []byte) bool) (ok, failed *atomic.Int64, wait func()) {
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
			resp, err := cl.Post("http://"+addr+path, ct, strings.NewReader(body(i)))
			if err != nil {
				failed.Add(1)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if check(i, b) {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return ok, failed, wg.Wait
}

func header(path string, extra ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

func callBody(inner string) string {
	return "<methodCall><methodName>echo</methodName><params><param><value>" + inner +
		"</value></param></params></methodCall>"
}

// chunkedStream writes n bytes of an endless XML string as a chunked body.
func chunkedStream(c net.Conn, n int64) error {
	return chunked(c, callBody("<string>"), "a", n)
}

// chunked writes head, then chunks of rep until n bytes have gone, as a chunked body.
func chunked(c net.Conn, head, rep string, n int64) error {
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

func TestHostileInput(t *testing.T) {
	grown := watchRSS()
	addr := hostileServer(t)
	stop := make(chan struct{})
	ok, failed, wait := bystander(t, addr, stop)

	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + callBody("<string>&lol3;</string>")
	xxe := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + callBody("<string>&x;</string>")
	deep := callBody("<array><data>" + strings.Repeat("<value><array><data>", 200000))
	sendBody := func(body string, extra ...string) func(c net.Conn) error {
		return func(c net.Conn) error {
			_, err := io.WriteString(c, header("/RPC2", append(extra, "Content-Length: "+strconv.Itoa(len(body)))...)+body)
			return err
		}
	}
	tests := []struct {
		name   string
		write  func(c net.Conn) error
		status int
		fault  int    // with status 200
		within string // the fault string or body contains
	}{
		{"billion laughs", sendBody(laughs), 200, rpc.CodeParseError, "DOCTYPE"},
		{"external entity", sendBody(xxe), 200, rpc.CodeParseError, "DOCTYPE"},
		{"200,000-deep nesting", sendBody(deep), 200, rpc.CodeParseError, "limit"},
		{"invalid UTF-8", sendBody(callBody("<string>\xff\xfe</string>")), 200, rpc.CodeParseError, "UTF-8"},
		{"oversized integer", sendBody(callBody("<int>" + strings.Repeat("9", 5000) + "</int>")), 200, rpc.CodeParseError, "digits limit"},
		{"oversized i8", sendBody(callBody("<i8>9223372036854775808</i8>")), 200, rpc.CodeInvalidRequest, "invalid i8"},
		{"unknown method", sendBody(`<methodCall><methodName>nope</methodName></methodCall>`), 200, rpc.CodeMethodNotFound, "nope"},
		{"wrong count", sendBody(`<methodCall><methodName>add</methodName></methodCall>`), 200, rpc.CodeInvalidParams, "got 0"},
		{"wrong type", sendBody(`<methodCall><methodName>add</methodName><params><param><value><int>1</int></value></param>` +
			`<param><value><boolean>1</boolean></value></param></params></methodCall>`), 200, rpc.CodeInvalidParams, "params[1]"},
		{"not XML", sendBody("GIF89a"), 200, rpc.CodeParseError, "parse error"},
		{"not a call", sendBody(`<methodResponse/>`), 200, rpc.CodeInvalidRequest, "methodCall"},
		{"200 MiB declared", func(c net.Conn) error {
			_, err := io.WriteString(c, header("/RPC2", "Content-Length: "+strconv.Itoa(200<<20)))
			return err
		}, 413, 0, "too large"},
		{"200 MiB streamed", func(c net.Conn) error {
			if _, err := io.WriteString(c, header("/RPC2", "Transfer-Encoding: chunked")); err != nil {
				return err
			}
			return chunkedStream(c, 200<<20)
		}, 413, 0, "too large"},
		{"lying Content-Length", func(c net.Conn) error {
			_, err := io.WriteString(c, header("/RPC2", "Content-Length: 1000")+"<methodCall>")
			return err // then silence, connection open
		}, 408, 0, "not received in time"},
		{"truncated body", func(c net.Conn) error {
			_, err := io.WriteString(c, header("/RPC2", "Content-Length: 1000")+"<methodCall>")
			c.(*net.TCPConn).CloseWrite()
			return err
		}, 400, 0, "truncated"},
		{"headers trickled", func(c net.Conn) error {
			req := header("/RPC2", "Content-Length: 5")
			for i := 0; i < len(req); i++ {
				if _, err := c.Write([]byte{req[i]}); err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond)
			}
			return nil
		}, 400, 0, "Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			status, body := rawExchange(t, addr, tt.write)
			took := time.Since(start)
			// A trickle is cut at ReadHeaderTimeout (1 s by default) from the first byte.
			budget := hostileBudget * raceSlowdown
			if tt.name == "headers trickled" {
				budget = server.DefaultConfig().ReadHeaderTimeout + 250*time.Millisecond
			}
			if took > budget {
				t.Errorf("answered after %v, budget %v", took, budget)
			}
			if status != tt.status {
				t.Fatalf("status %d (%s), want %d", status, body, tt.status)
			}
			if status == 200 {
				f := faultOf(t, xmlrpc.UnmarshalResponse([]byte(body), nil))
				if f.Code != tt.fault || !strings.Contains(f.String, tt.within) {
					t.Fatalf("fault %d %q, want %d containing %q", f.Code, f.String, tt.fault, tt.within)
				}
				if len(f.String) > 1100 {
					t.Fatalf("fault string of %d bytes", len(f.String))
				}
			} else if !strings.Contains(body, tt.within) {
				t.Fatalf("body %q lacks %q", body, tt.within)
			}
		})
	}
	close(stop)
	wait()
	if ok.Load() == 0 || failed.Load() != 0 {
		t.Fatalf("bystander: %d calls served, %d failed", ok.Load(), failed.Load())
	}
	rss := grown()
	t.Logf("bystander: %d calls served meanwhile; RSS grew by at most %d KiB", ok.Load(), rss)
	checkRSS(t, rss)
}

// rssBudget bounds how much the process's resident set may grow while one hostile test runs, in
// KiB. A 200 MiB body held whole would blow it; the 16 MiB body limit and the bystanders stay far
// below (about 50 MiB without the race detector, whose shadow memory multiplies what is held).
const rssBudget = 128 << 10 * raceMemory

// checkRSS fails t when the RSS grew by more than rssBudget.
func checkRSS(t *testing.T, grownKiB int) {
	t.Helper()
	if grownKiB > rssBudget {
		t.Fatalf("RSS grew by %d KiB, budget %d KiB", grownKiB, rssBudget)
	}
}

// watchRSS resets the process's peak resident set size (Linux's clear_refs) after a garbage
// collection, and returns a function reporting, in KiB, how far the peak since then rose above
// the RSS at the reset: the memory the test itself cost, whatever earlier tests left behind.
// Where /proc lacks it, the function reports 0.
func watchRSS() func() int {
	runtime.GC()
	debug.FreeOSMemory()
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		return func() int { return 0 }
	}
	base := procStatus("VmRSS:")
	return func() int { return max(0, procStatus("VmHWM:")-base) }
}

// procStatus reports a field of /proc/self/status in KiB, 0 where /proc lacks it.
func procStatus(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}
