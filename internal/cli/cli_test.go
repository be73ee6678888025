package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// demoServer serves the demo services the way harp serve does, on a test listener.
func demoServer(t *testing.T) string {
	t.Helper()
	srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// harp runs the command line in-process and returns its exit code and output.
func harp(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCall(t *testing.T) {
	url := demoServer(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "2", "3"}, "5\n"},
		{[]string{"pow", "2", "10"}, "1024\n"},
		{[]string{"add", "-7", "2"}, "-5\n"},
		{[]string{"echo", `{"k":[1,"s",null,1.5,true]}`}, `{"k":[1,"s",null,1.5,true]}`},
		{[]string{"echo", "I/9007199254740993"}, "9007199254740993\n"},
		{[]string{"echo", "9007199254740993"}, "9007199254740993\n"},
		{[]string{"echo", "i/42"}, "42\n"},
		{[]string{"echo", "s/text with spaces"}, `"text with spaces"` + "\n"},
		{[]string{"echo", "d/1.5"}, "1.5\n"},
		{[]string{"echo", "b/true"}, "true\n"},
		{[]string{"echo", "n/"}, "null\n"},
		{[]string{"echo", "t/19980717T14:08:55"}, `"1998-07-17T14:08:55Z"` + "\n"},
		{[]string{"echo", "b64/aGk="}, `"aGk="` + "\n"},
		{[]string{"echo", "h/6869"}, `"aGk="` + "\n"},
		{[]string{"echo", `"i/not a prefix"`}, `"i/not a prefix"` + "\n"},
		{[]string{"validator1.simpleStructReturnTest", "7"}, `{"times10":70,"times100":700,"times1000":7000}`},
	} {
		code, out, errs := harp(append([]string{"call", url}, tc.args...)...)
		if code != ExitOK {
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, errs)
			continue
		}
		if compact(out) != compact(tc.want) {
			t.Errorf("%v: printed %q, want %q", tc.args, out, tc.want)
		}
	}
}

func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}

func TestCallXMLAndFlagsAnywhere(t *testing.T) {
	url := demoServer(t)
	code, out, _ := harp("call", url, "add", "1", "2", "--xml")
	if code != ExitOK || !strings.Contains(out, "<methodResponse>") || !strings.Contains(out, "<int>3</int>") {
		t.Fatalf("--xml: %d %q", code, out)
	}
	code, out, _ = harp("call", "-timeout", "5s", url+"/RPC2", "add", "1", "2")
	if code != ExitOK || out != "3\n" {
		t.Fatalf("flag before URL: %d %q", code, out)
	}
	code, out, _ = harp("call", url, "--", "add", "-1", "-2")
	if code != ExitOK || out != "-3\n" {
		t.Fatalf("after --: %d %q", code, out)
	}
}

func TestCallFailures(t *testing.T) {
	url := demoServer(t)
	code, out, errs := harp("call", url, "div", "1", "0")
	if code != ExitFault || out != "" || !strings.Contains(errs, "fault 1: division by zero") {
		t.Fatalf("fault: %d %q %q", code, out, errs)
	}
	code, _, errs = harp("call", url, "div", "1", "0", "--xml")
	if code != ExitFault || !strings.Contains(errs, "division by zero") {
		t.Fatalf("fault with --xml: %d %q", code, errs)
	}
	code, _, errs = harp("call", url, "no.such")
	if code != ExitFault || !strings.Contains(errs, "-32601") {
		t.Fatalf("unknown method: %d %q", code, errs)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String()
	ln.Close()
	code, _, errs = harp("call", down, "add", "1", "2")
	if code != ExitFailure || !strings.Contains(errs, "connection refused") {
		t.Fatalf("refused: %d %q", code, errs)
	}
	for _, args := range [][]string{
		{"call", url},
		{"call", url, "add", "i/99999999999"},
		{"call", url, "add", "[1,2"},
		{"call", url, "add", "1e999"},
		{"call", url, "add", "123456789012345678901234567890"},
		{"call", "--nope", url, "add"},
		{"nosuchcommand"},
	} {
		if code, _, errs := harp(args...); code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want usage error", args, code, errs)
		}
	}
}

func TestList(t *testing.T) {
	url := demoServer(t)
	code, out, errs := harp("list", url)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"add(i8, i8) i8\n    add(x, y): x + y.",
		"validator1.manyTypesTest(int, boolean, string, double, dateTime.iso8601, base64) array",
		"system.listMethods() array",
		"time.now() dateTime.iso8601",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = harp("list", "--output", "json", url)
	var methods []map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &methods) != nil || len(methods) < 20 {
		t.Fatalf("--output json: %d %q", code, out)
	}
}

func TestServe(t *testing.T) {
	url := serveInBackground(t)
	if code, out, errs := harp("call", url, "validator1.countTheEntities", `s/<&>'"`); code != ExitOK || !strings.Contains(out, `"ctAmpersands": 1`) {
		t.Errorf("call against harp serve: %d %q %q", code, out, errs)
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := harp("help")
	if code != ExitOK || !strings.Contains(out, "call") || !strings.Contains(out, "serve") || !strings.Contains(out, "list") {
		t.Fatalf("help: %d %q", code, out)
	}
	code, out, _ = harp("help", "call")
	if code != ExitOK || !strings.Contains(out, "-xml") || !strings.Contains(out, "b64/aGk=") {
		t.Fatalf("help call: %d %q", code, out)
	}
	if code, _, _ := harp(); code != ExitUsage {
		t.Fatalf("no arguments: exit %d", code)
	}
}

func TestParseArg(t *testing.T) {
	huge, _ := new(big.Int).SetString("9007199254740993", 10)
	for in, want := range map[string]any{
		"42":                     42,
		"-42":                    -42,
		"4294967296":             int64(4294967296),
		"1.5":                    1.5,
		"1e3":                    1000.0,
		`"x"`:                    "x",
		"null":                   nil,
		"[1,[2]]":                []any{1, []any{2}},
		`{"a":{"b":3000000000}}`: map[string]any{"a": map[string]any{"b": int64(3000000000)}},
		"i/-5":                   int32(-5),
		"I/9007199254740993":     xmlrpc.I8(huge.Int64()),
		"":                       "",
		"abc":                    "abc",
		"1 2":                    "1 2",
		"1.2.3":                  "1.2.3",
		"foo/bar":                "foo/bar",
		`typed/{"struct":{"b":{"base64":"aGk="},"n":{"i8":"5"},"l":[{"int":1},"x"]}}`: map[string]any{
			"b": []byte("hi"), "n": xmlrpc.I8(5), "l": []any{1, "x"}},
		"s/":                     "",
		"s/a/b":                  "a/b",
		"b/0":                    false,
		"t/2024-02-29T12:00:00Z": time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC),
		"b64/":                   []byte{},
	} {
		got, err := parseArg(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseArg(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, in := range []string{"[1,", `{"a"`, `"open`, "i/x", "I/1.5", "d/nan", "b/yes", "n/x", "t/yesterday", "t/<x>", "b64/!!", "h/zz", `typed/{"a":1,"b":2}`, `typed/{"int":"x"}`, `typed/{"int":3000000000}`, `typed/{"nosuch":1}`, "typed/nojson"} {
		if v, err := parseArg(in); err == nil {
			t.Errorf("parseArg(%q) = %#v, want an error", in, v)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
