package jsonrpc_test

import (
	"bytes"
	"context"
	"math"
	"math/big"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/jsonrpc"
)

// runPython runs testdata/pyjson.py in mode with stdin, returning its output lines.
func runPython(t *testing.T, mode string, stdin []byte) []string {
	t.Helper()
	py := peertest.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/pyjson.py", mode)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 pyjson.py %s: %v\n%s", mode, err, stderr.Bytes())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// TestPythonPeer has CPython's json module write requests, serves them, and has Python read the
// responses back.
func TestPythonPeer(t *testing.T) {
	serve := registryCodec(t)
	var responses []byte
	for _, req := range runPython(t, "requests", nil) {
		out := serve(req)
		if out == "" {
			t.Fatalf("no answer to %s", req)
		}
		responses = append(append(responses, out...), '\n')
	}
	got := runPython(t, "read", responses)
	want := []string{
		`{"id": 1, "jsonrpc": "2.0", "result": 5}`,
		`{"id": 2, "jsonrpc": "2.0", "result": "0424bd59b807674191e7d77572075f33"}`,
		`{"id": "big", "jsonrpc": "2.0", "result": 9223372036854775806}`,
		`{"id": 3, "jsonrpc": "2.0", "result": {"f": 0.1, "l": [1, 2.5, null, true], "s": "é😀` + "\u2028" + `\u0000\"\\"}}`,
		`[{"id": 4, "jsonrpc": "2.0", "result": 2}]`,
		`{"error": null, "id": 5, "result": 42}`,
		`{"id": 3, "jsonrpc": "2.0", "result": {"f": 0.1, "l": [1, 2.5, null, true], "s": "é😀` + "\u2028" + `\u0000\"\\"}}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Python read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPythonReadsValues checks that CPython's json module reads what this package writes as the
// same values: each value goes to Python and back, and must decode to what it encoded.
func TestPythonReadsValues(t *testing.T) {
	big1, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	values := []any{
		0, -1, math.MaxInt32, int64(math.MinInt64), uint64(math.MaxUint64), big1,
		2.0, 0.1, -0.0, 1e21, 5e-324, math.MaxFloat64, float32(3.4e38),
		"", "\x00\x1f\"\\/\u2028\u2029\u007f", "é😀\uFFFD", true, nil,
		[]any{}, map[string]any{}, []any{1, "a", []any{nil}, map[string]any{"k": []any{}}},
		[]byte{0, 1, 0xfe, 0xff}, time.Date(1998, 7, 17, 14, 8, 55, 123000000, time.UTC),
		map[string]any{"z": 1, "a": map[string]any{"": false}},
	}
	var in []byte
	for _, v := range values {
		doc, err := jsonrpc.Marshal(v)
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		in = append(append(in, doc...), '\n')
	}
	back := runPython(t, "read", in)
	if len(back) != len(values) {
		t.Fatalf("%d lines back for %d values", len(back), len(values))
	}
	for i, v := range values {
		doc, _ := jsonrpc.Marshal(v)
		var want, got any
		if err := jsonrpc.Unmarshal(doc, &want); err != nil {
			t.Fatal(err)
		}
		if err := jsonrpc.Unmarshal([]byte(back[i]), &got); err != nil {
			t.Errorf("%s from Python: %v", back[i], err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Python wrote %s, read back as %#v, want %#v", doc, back[i], got, want)
		}
	}
}
