package cli

import (
	"context"
	"github.com/harp-rpc/harp/internal/peertest"

	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// harpBin is the harp binary the tests of this file run, built once by TestMain.
var harpBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "harp-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	harpBin = filepath.Join(dir, "harp")
	out, err := exec.Command("go", "build", "-o", harpBin, "github.com/harp-rpc/harp/cmd/harp").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building harp: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	peertest.Report()
	os.Exit(code)
}

// runBin runs the harp binary and returns its exit code and output.
func runBin(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(harpBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running harp %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

func TestBinaryPlainArgumentIsAString(t *testing.T) {
	url := demoServer(t)
	for arg, want := range map[string]string{"hello": `"hello"`, "a/b": `"a/b"`, "1.2.3": `"1.2.3"`, "42": "42"} {
		code, out, errs := runBin(t, "call", url, "echo", arg)
		if code != ExitOK || out != want+"\n" {
			t.Errorf("echo %s: exit %d, printed %q (stderr %q), want %s", arg, code, out, errs, want)
		}
	}
}

func TestBinaryBadArgumentIsOneLineAndAHint(t *testing.T) {
	url := demoServer(t)
	for _, arg := range []string{"i/abc", "[1,", `typed/{"base64":"!!"}`} {
		code, out, errs := runBin(t, "call", url, "echo", arg)
		lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
		if code != ExitUsage || out != "" || len(lines) != 2 || !strings.Contains(lines[0], "argument 1") ||
			!strings.Contains(lines[1], "harp help values") {
			t.Errorf("echo %s: exit %d, stdout %q, stderr %q; want exit 2, the error and a hint", arg, code, out, errs)
		}
	}
	code, _, errs := runBin(t, "call", "--nosuch", url, "echo")
	if code != ExitUsage || strings.Contains(errs, "Usage:") || strings.Count(errs, "\n") != 2 {
		t.Errorf("unknown flag: exit %d, stderr %q; want exit 2 and two lines, no usage", code, errs)
	}
}

func TestBinaryHelp(t *testing.T) {
	code, out, _ := runBin(t, "help", "call")
	for _, want := range []string{"xmlrpc-c's xmlrpc tool", "harp's own prefixes", "t/19980717T14:08:55", "b64/aGk=", "typed/", "--jsonrpc", "--output", "-xml (use --output xml)", "Exit codes"} {
		if !strings.Contains(out, want) {
			t.Errorf("help call lacks %q", want)
		}
	}
	if code != ExitOK {
		t.Errorf("help call: exit %d", code)
	}
	// xmlrpc-c's own prefixes are listed apart from harp's.
	own := out[strings.Index(out, "harp's own prefixes"):]
	for _, p := range []string{"t/", "b64/", "typed/"} {
		if !strings.Contains(own, p) {
			t.Errorf("%s is not listed among harp's own prefixes", p)
		}
	}
	for _, topic := range []string{"values", "exit"} {
		if code, out, _ := runBin(t, "help", topic); code != ExitOK || out == "" {
			t.Errorf("help %s: exit %d, %q", topic, code, out)
		}
	}
	code, out, errs := runBin(t, "help", "NOSUCH")
	if code != ExitUsage || out != "" || !strings.Contains(errs, `"NOSUCH"`) {
		t.Errorf("help NOSUCH: exit %d, stdout %q, stderr %q; want exit 2 and an error", code, out, errs)
	}
}

func TestBinaryExitCodes(t *testing.T) {
	url := demoServer(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String()
	ln.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"call", url, "add", "2", "3"}, ExitOK},
		{[]string{"call", url, "div", "1", "0"}, ExitFault},
		{[]string{"call", "--jsonrpc", url, "no.such"}, ExitFault},
		{[]string{"call", down, "add", "1", "2"}, ExitFailure},
		{[]string{"call", notFound.URL, "add", "1", "2"}, ExitFailure},
		{[]string{"call", url}, ExitUsage},
		{[]string{"nosuchcommand"}, ExitUsage},
		{[]string{"bench", url, "--method", "no.such", "--requests", "3", "--concurrency", "1"}, ExitFault},
		{[]string{"list", down}, ExitFailure},
	} {
		if code, _, errs := runBin(t, tc.args...); code != tc.want {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.want, errs)
		}
	}
}

func TestBinaryFlagsMeanOneThing(t *testing.T) {
	url := demoServer(t)
	// --jsonrpc is the protocol everywhere.
	if code, out, errs := runBin(t, "call", "--jsonrpc", url, "add", "2", "3"); code != ExitOK || out != "5\n" {
		t.Errorf("call --jsonrpc: exit %d, %q %q", code, out, errs)
	}
	if code, out, errs := runBin(t, "list", "--jsonrpc", url); code != ExitOK || !strings.Contains(out, "add(") {
		t.Errorf("list --jsonrpc: exit %d, %q %q", code, out, errs)
	}
	// --output json is machine-readable output everywhere.
	code, out, errs := runBin(t, "list", "--output", "json", url)
	var methods []map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &methods) != nil || len(methods) == 0 {
		t.Errorf("list --output json: exit %d, %q %q", code, out, errs)
	}
	code, out, errs = runBin(t, "bench", "--jsonrpc", "--output", "json", url, "--method", "add", "--args", "2 3", "--requests", "40", "--concurrency", "2")
	var rep struct {
		Calls     uint64           `json:"calls"`
		Errors    uint64           `json:"errors"`
		LatencyNS map[string]int64 `json:"latency_ns"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &rep) != nil || rep.Calls != 40 || rep.Errors != 0 || rep.LatencyNS["p50"] <= 0 {
		t.Errorf("bench --output json: exit %d, stdout %q (stderr %q)", code, out, errs)
	}
	// The old spellings still work, each with a note.
	for _, tc := range []struct {
		args       []string
		out, note  string
		wantExitOK bool
	}{
		{[]string{"call", "--json", url, "add", "2", "3"}, "5\n", "--json is deprecated: use --jsonrpc", true},
		{[]string{"call", "--xml", url, "add", "2", "3"}, "<methodResponse>", "--xml is deprecated: use --output xml", true},
		{[]string{"list", "--json", url}, `"name"`, "--json is deprecated: use --output json", true},
	} {
		code, out, errs := runBin(t, tc.args...)
		if code != ExitOK || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.note) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out, errs)
		}
	}
	if code, _, errs := runBin(t, "call", "--output", "yaml", url, "add", "1", "2"); code != ExitUsage {
		t.Errorf("--output yaml: exit %d (%q)", code, errs)
	}
}

func TestBinaryTypedOutputKeepsTypes(t *testing.T) {
	url := demoServer(t)
	arg := `typed/{"struct":{"b":{"base64":"aGk="},"t":{"dateTime.iso8601":"19980717T14:08:55"},` +
		`"n":{"i8":"9007199254740993"},"i":{"int":7},"d":{"double":1},"s":{"string":"x"},` +
		`"l":{"array":[{"boolean":true},{"nil":null}]}}}`
	code, out, errs := runBin(t, "call", "--output", "typed", url, "echo", arg)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := `{"struct":{"b":{"base64":"aGk="},"d":{"double":1},"i":{"int":7},"l":{"array":[{"boolean":true},{"nil":null}]},` +
		`"n":{"i8":"9007199254740993"},"s":{"string":"x"},"t":{"dateTime.iso8601":"19980717T14:08:55"}}}`
	if compact(out) != want {
		t.Fatalf("printed %s\nwant    %s", compact(out), want)
	}
	// What --output typed prints, typed/ sends back unchanged.
	code, again, errs := runBin(t, "call", "--output", "typed", url, "echo", "typed/"+compact(out))
	if code != ExitOK || again != out {
		t.Fatalf("round trip: exit %d, %q (stderr %q), want %q", code, again, errs, out)
	}
	// On the wire the struct's members carry their types.
	code, doc, errs := runBin(t, "call", "--output", "xml", url, "echo", arg)
	for _, w := range []string{"<base64>aGk=</base64>", "<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>", "<i8>9007199254740993</i8>"} {
		if code != ExitOK || !strings.Contains(doc, w) {
			t.Errorf("the answer lacks %s: exit %d, %s %s", w, code, doc, errs)
		}
	}
}

func TestBinaryJSONRPCErrorData(t *testing.T) {
	url := demoServer(t)
	code, out, errs := runBin(t, "call", "--jsonrpc", url, "user.login", `{"username":"Admin","password":"nope"}`)
	if code != ExitFault || out != "" || !strings.Contains(errs, "-32602") || !strings.Contains(errs, "Incorrect user name or password") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and the error's data", code, out, errs)
	}
}

// smallBufferListener accepts connections with a small receive buffer, so that a client's
// body cannot all wait in the kernel's buffers while the server reads slowly.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(64 << 10)
	}
	return c, err
}

// slowReader reads at most 32 KiB per millisecond.
type slowReader struct {
	r   io.Reader
	cut *atomic.Int64 // counts bodies whose reading failed (the client cut them short); may be nil
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	n, err := s.r.Read(p[:min(len(p), 32<<10)])
	if err != nil && err != io.EOF && s.cut != nil {
		s.cut.Add(1)
	}
	return n, err
}

// rawHTTPServer answers every request with the bytes of answer, headers included, then closes
// the connection: a peer that gets HTTP framing wrong. An empty answer resets the connection.
func rawHTTPServer(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				if answer == "" {
					conn.(*net.TCPConn).SetLinger(0)
					return
				}
				io.WriteString(conn, answer)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/RPC2"
}

func TestBinaryRawOutputIsChecked(t *testing.T) {
	body := `<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`
	header := "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
	for name, answer := range map[string]string{
		"Content-Length short of the body": fmt.Sprintf(header, len(body)-20) + body,
		"Content-Length beyond the body":   fmt.Sprintf(header, len(body)+20) + body,
		"not XML-RPC":                      fmt.Sprintf(header, 12) + "<html></html",
	} {
		code, out, errs := runBin(t, "call", "--output", "xml", rawHTTPServer(t, answer), "add", "2", "3")
		if code != ExitFailure || out != "" || errs == "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 3, nothing printed and an error", name, code, out, errs)
		}
	}
	code, out, errs := runBin(t, "call", "--output", "xml", rawHTTPServer(t, fmt.Sprintf(header, len(body))+body), "add", "2", "3")
	if code != ExitOK || out != body+"\n" {
		t.Errorf("a good answer: exit %d, %q %q; want it and a newline", code, out, errs)
	}
}

// bareMulticallServer answers like supervisord: system.multicall's results bare, not each in a
// one-element array; the same methods answer when called one by one.
func bareMulticallServer(t *testing.T) string {
	t.Helper()
	sigs := map[string]any{"a": []any{[]any{"string", "int"}}, "b": []any{[]any{"int"}}}
	helps := map[string]any{"a": "help of a", "b": "help of b"}
	answer := func(w http.ResponseWriter, v any) {
		doc, err := xmlrpc.MarshalResponse(v)
		if err != nil {
			t.Error(err)
		}
		w.Write(doc)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		call, err := xmlrpc.DecodeCall(body)
		if err != nil {
			t.Error(err)
			return
		}
		params, _ := call.Params()
		switch call.Method {
		case "system.listMethods":
			answer(w, []any{"a", "b"})
		case "system.methodSignature":
			answer(w, sigs[params[0].(string)])
		case "system.methodHelp":
			answer(w, helps[params[0].(string)])
		case "system.multicall":
			var out []any
			for _, c := range params[0].([]any) {
				m := c.(map[string]any)
				name := m["params"].([]any)[0].(string)
				if m["methodName"] == "system.methodSignature" {
					out = append(out, sigs[name])
				} else {
					out = append(out, helps[name])
				}
			}
			answer(w, out)
		}
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestBinaryListBareMulticallResults(t *testing.T) {
	code, out, errs := runBin(t, "list", bareMulticallServer(t))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"a(int) string", "    help of a", "b() int", "    help of b"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "one call per method") {
		t.Errorf("stderr does not say list fell back to one call per method: %q", errs)
	}
	// A server that wraps its results gets one multicall and no note.
	if code, _, errs := runBin(t, "list", demoServer(t)); code != ExitOK || errs != "" {
		t.Errorf("demo server: exit %d, stderr %q", code, errs)
	}
}

func TestBinaryBenchGroupsErrorsWithoutPorts(t *testing.T) {
	// Each connection is reset after the request is read: the errors name the local port.
	url := rawHTTPServer(t, "")
	code, out, errs := runBin(t, "bench", url, "--requests", "30", "--concurrency", "3")
	if code != ExitFailure && code != ExitFault {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	lines := regexp.MustCompile(`(?m)^error x\d+: .*$`).FindAllString(out, -1)
	if len(lines) == 0 || regexp.MustCompile(`:\d+->`).MatchString(out) {
		t.Fatalf("errors not grouped without the local address:\n%s", out)
	}
	if len(lines) > 2 {
		t.Errorf("one cause on %d lines:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

func TestBinaryCallSeveralURLs(t *testing.T) {
	a, b := demoServer(t), demoServer(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String()
	ln.Close()
	for _, args := range [][]string{
		{"call", a, b, "add", "2", "3"},
		{"call", "--policy", "random", a, b, "add", "2", "3"},
		{"call", "--idempotent", down, a, "add", "2", "3"},
		{"call", "--jsonrpc", a, b, "add", "2", "3"},
	} {
		if code, out, errs := runBin(t, args...); code != ExitOK || out != "5\n" {
			t.Errorf("%v: exit %d, %q (stderr %q)", args, code, out, errs)
		}
	}
	if code, _, errs := runBin(t, "call", "--policy", "nope", a, b, "add", "2", "3"); code != ExitUsage {
		t.Errorf("--policy nope: exit %d (%q)", code, errs)
	}
	if code, _, errs := runBin(t, "call", "--output", "xml", a, b, "add", "2", "3"); code != ExitUsage {
		t.Errorf("--output xml with two URLs: exit %d (%q)", code, errs)
	}
}

// TestBinaryBenchStopsCleanly: an interrupted bench exits 3 with its report, its calls all
// succeeded, and no body arrived cut short. On loopback the last check cannot catch a bench that
// cancels its calls (the kernel delivers a closed socket's body whole); that is what
// TestBinaryBenchFinishesCallsInFlight shows.
func TestBinaryBenchStopsCleanly(t *testing.T) {
	var logs syncBuffer
	srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	// sink takes the twelve 100 KiB arguments below (one command-line argument holds at most
	// 128 KiB), so that every call succeeds and only the interrupt can cut one short.
	srv.Registry().MustRegister("sink", func(a, b, c, d, e, f, g, h, i, j, k, l string) int {
		return len(a + b + c + d + e + f + g + h + i + j + k + l)
	}, "")
	// The body arrives slowly, as over a real network, so that a call cut short is cut mid-body.
	var cut atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = struct {
			io.Reader
			io.Closer
		}{&slowReader{r: r.Body, cut: &cut}, r.Body}
		srv.ServeHTTP(w, r)
	}))
	ts.Listener = smallBufferListener{ts.Listener}
	ts.Start()
	defer ts.Close()
	// 1.2 MB bodies, more than the kernel buffers hold, so a call cut short is cut mid-write.
	args := []string{"bench", ts.URL, "--method", "sink", "--concurrency", "4", "--duration", "1m"}
	for range 12 {
		args = append(args, "--arg", "s/"+strings.Repeat("x", 100<<10))
	}
	cmd := exec.Command(harpBin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitFailure {
		t.Errorf("interrupted bench: %v, want exit %d\n%s", err, ExitFailure, out.String())
	}
	if !strings.Contains(out.String(), "calls ") || strings.Contains(out.String(), "fault") {
		t.Errorf("no report after the interrupt, or calls that failed:\n%s", out.String())
	}
	ts.Close() // waits for the handlers: each has read its body, or failed to
	if n := cut.Load(); n > 0 || strings.Contains(logs.String(), "truncated") {
		t.Errorf("%d request bodies cut short by the interrupt; the server logged:\n%s", n, logs.String())
	}
}

// TestBinaryBenchFinishesCallsInFlight: an interrupted bench lets the calls in flight finish
// (within its stop grace) instead of cancelling them: no handler sees its call cancelled.
func TestBinaryBenchFinishesCallsInFlight(t *testing.T) {
	srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var started, finished, cancelled atomic.Int64
	srv.Registry().MustRegister("nap", func(ctx context.Context) (int, error) {
		started.Add(1)
		select {
		case <-time.After(300 * time.Millisecond):
			finished.Add(1)
			return 1, nil
		case <-ctx.Done():
			cancelled.Add(1)
			return 0, ctx.Err()
		}
	}, "")
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cmd := exec.Command(harpBin, "bench", ts.URL, "--method", "nap", "--concurrency", "4", "--duration", "1m")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); started.Load() < 4 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the first naps are in flight, a third of the way through
	cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	ts.Close() // waits for the handlers
	if n := cancelled.Load(); n > 0 || finished.Load() < 4 {
		t.Errorf("%d calls cancelled by the interrupt, %d finished; bench said:\n%s", n, finished.Load(), out.String())
	}
}
