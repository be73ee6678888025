package xmlrpc_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// nodeLibs are the Node XML-RPC packages the dialect tests run, each in a subtest of its own.
var nodeLibs = []string{"xmlrpc", "davexmlrpc"}

// runNode runs testdata/nodedialects.js in mode with the npm package lib alone on its NODE_PATH,
// and returns what it printed for lib.
func runNode(t *testing.T, lib, mode string, stdin []byte) json.RawMessage {
	t.Helper()
	dir := filepath.Dir(peertest.NodeModule(t, lib))
	cmd := exec.Command("node", "testdata/nodedialects.js", mode)
	cmd.Env = append(os.Environ(), "NODE_PATH="+dir, "TZ=UTC")
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", mode, err, stderr.String())
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil || got[lib] == nil {
		t.Fatalf("node %s %s: %v\n%s", lib, mode, err, out)
	}
	return got[lib]
}

// Node's xmlrpc writes 5000000000 as <int>, davexmlrpc as <i4> and its booleans as true and
// false: harp reads both by default, and refuses them with Strict.
func TestNodePeersDialectsRead(t *testing.T) {
	want := []any{5000000000, -5000000000, true, false, 2.5}
	for _, lib := range nodeLibs {
		t.Run(lib, func(t *testing.T) {
			var doc string
			if err := json.Unmarshal(runNode(t, lib, "write", nil), &doc); err != nil {
				t.Fatal(err)
			}
			c, err := xmlrpc.DecodeCall([]byte(doc))
			if err != nil {
				t.Fatalf("%v\n%s", err, doc)
			}
			ps, err := c.Params()
			if err != nil || len(ps) != len(want) {
				t.Fatalf("%v, %v", ps, err)
			}
			for i := range want {
				if ps[i] != want[i] {
					t.Errorf("param %d = %#v, want %#v", i, ps[i], want[i])
				}
			}
			if _, err := (xmlrpc.DecodeOptions{Strict: true}).DecodeCall([]byte(doc)); err == nil {
				t.Errorf("Strict read %s", doc)
			}
		})
	}
}

// What harp writes (decimal doubles however small or large, a fraction of a second when asked)
// both Node packages read back as the same numbers and instant.
func TestNodePeersReadHarp(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	doubles := []float64{1e-300, 1.5e300, 5e-324, math.MaxFloat64, 0.1, -2.5e-10}
	params := []any{when}
	for _, f := range doubles {
		params = append(params, f)
	}
	doc, err := xmlrpc.EncodeOptions{SecondDigits: 3}.AppendCall(nil, "m", params...)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("e-")) || bytes.Contains(doc, []byte("e+")) {
		t.Fatalf("harp wrote an exponent: %s", doc)
	}
	for _, lib := range nodeLibs {
		t.Run(lib, func(t *testing.T) {
			raw := runNode(t, lib, "read", doc)
			var got []json.RawMessage
			if err := json.Unmarshal(raw, &got); err != nil || len(got) != len(params) {
				t.Fatalf("%s (%v)", raw, err)
			}
			var date struct{ Date string }
			if err := json.Unmarshal(got[0], &date); err != nil || date.Date != "2026-01-02T03:04:05.678Z" {
				t.Errorf("read the time as %s, want 2026-01-02T03:04:05.678Z", got[0])
			}
			for i, f := range doubles {
				var g float64
				if err := json.Unmarshal(got[i+1], &g); err != nil || g != f {
					t.Errorf("read %v as %s", f, got[i+1])
				}
			}
		})
	}
}

// CPython reads <int> beyond 32 bits (which is why harp does by default), reads harp's decimal
// doubles exactly, and refuses a dateTime with a fraction of a second (which is why harp writes
// none unless asked).
func TestCPythonDialects(t *testing.T) {
	py := peertest.Python(t)
	const script = `
import sys, xmlrpc.client
doc = sys.stdin.read()
try:
    params, _ = xmlrpc.client.loads(doc, use_builtin_types=True)
    print(repr(params))
except Exception as e:
    print("error:", type(e).__name__)
`
	run := func(doc []byte) string {
		cmd := exec.Command(py, "-c", script)
		cmd.Stdin = bytes.NewReader(doc)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("python: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run([]byte(`<methodCall><methodName>m</methodName><params><param><value><int>5000000000</int></value></param></params></methodCall>`)); got != "(5000000000,)" {
		t.Errorf("CPython <int>5000000000</int>: %s", got)
	}
	doc, err := xmlrpc.MarshalCall("m", 1e-300, 1.5e300, 5e-324)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(doc); got != "(1e-300, 1.5e+300, 5e-324)" {
		t.Errorf("CPython read harp's doubles as %s", got)
	}
	when := time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	whole, _ := xmlrpc.MarshalCall("m", when)
	if got := run(whole); got != "(datetime.datetime(2026, 1, 2, 3, 4, 5),)" {
		t.Errorf("CPython read a whole-second time as %s", got)
	}
	frac, _ := xmlrpc.EncodeOptions{SecondDigits: 3}.AppendCall(nil, "m", when)
	if got := run(frac); got != "error: ValueError" {
		t.Errorf("CPython read a fractional time as %s, want a ValueError", got)
	}
}
