package xmlrpc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/big"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// tagged converts a natural decoded Go value into the [type, payload] form testdata/pyroundtrip.py
// prints for Python values, after a JSON round trip so both sides compare as plain JSON values.
func tagged(t *testing.T, v any) any {
	t.Helper()
	var conv func(v any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case nil:
			return []any{"nil", nil}
		case bool:
			return []any{"bool", x}
		case int:
			return []any{"int", big.NewInt(int64(x)).String()}
		case int64:
			return []any{"int", big.NewInt(x).String()}
		case *big.Int:
			return []any{"int", x.String()}
		case float64:
			return []any{"double", x}
		case string:
			return []any{"string", x}
		case []byte:
			return []any{"base64", base64.StdEncoding.EncodeToString(x)}
		case time.Time:
			return []any{"dateTime", x.UTC().Format("2006-01-02T15:04:05")}
		case *big.Float:
			return []any{"bigdecimal", x.Text('f', -1)}
		case []any:
			out := []any{}
			for _, e := range x {
				out = append(out, conv(e))
			}
			return []any{"array", out}
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				out[k] = conv(e)
			}
			return []any{"struct", out}
		}
		t.Fatalf("tagged: unexpected %T", v)
		return nil
	}
	return viaJSON(t, conv(v))
}

func viaJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func runPython(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	py := peertest.Python(t)
	cmd := exec.Command(py, append([]string{"testdata/pyroundtrip.py"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// Go encodes, CPython's xmlrpc.client.loads decodes, and the values are equal.
func TestPythonDecodesGo(t *testing.T) {
	type row struct {
		ID    int       `xmlrpc:"id"`
		Name  string    `xmlrpc:"name"`
		Score float64   `xmlrpc:"score"`
		OK    bool      `xmlrpc:"ok"`
		When  time.Time `xmlrpc:"when"`
	}
	tenth, fifth := 0.1, 0.2
	huge, _ := new(big.Int).SetString("98765432100123456789", 10)
	when := time.Date(2026, 11, 22, 20, 30, 0, 0, time.UTC)
	values := []any{
		nil, true, false, 0, -1, math.MaxInt32, math.MinInt32,
		int64(1) << 40, int64(math.MinInt64), int64(math.MaxInt64), huge,
		tenth + fifth, 1e-7, 5e-324, math.MaxFloat64, -2.5,
		"", "  spaced  ", "cr\rlf\ncrlf\r\n", "a<b>&c ]]> \"'", "unicode ✓ 😀 \u4000", "tab\t",
		[]byte{}, []byte{0, 255, 1, 2},
		time.Date(1, 2, 10, 11, 41, 23, 0, time.UTC), when,
		[]any{1, "two", []any{3.0, []any{}}, nil},
		map[string]any{"a": 1, "nested": map[string]any{"b": []any{nil}}, "": "empty key", "k<&>": "v"},
		[]row{{1, "alice", 0.5, true, when}, {2, "bob", -1e-9, false, when}},
		xmlrpc.Fault{Code: 42, String: "Test Fault"},
	}
	for _, dialect := range []xmlrpc.Dialect{xmlrpc.DialectStandard, xmlrpc.DialectApache} {
		doc, err := xmlrpc.EncodeOptions{Dialect: dialect}.AppendCall(nil, "echo.all", values...)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Method string `json:"method"`
			Params []any  `json:"params"`
		}
		if err := json.Unmarshal(runPython(t, doc, "loads"), &got); err != nil {
			t.Fatal(err)
		}
		if got.Method != "echo.all" {
			t.Errorf("method = %q", got.Method)
		}
		// What Go itself decodes is what Python must see.
		c, err := xmlrpc.DecodeCall(doc)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := c.Params()
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Params) != len(values) {
			t.Fatalf("python decoded %d params, want %d", len(got.Params), len(values))
		}
		for i := range values {
			want := tagged(t, mine[i])
			if !reflect.DeepEqual(got.Params[i], want) {
				t.Errorf("dialect %d, value %d (%#v):\npython %v\nwant   %v", dialect, i, values[i], got.Params[i], want)
			}
		}
	}
}

// CPython's xmlrpc.client.dumps encodes, Go decodes, and the values are equal.
func TestGoDecodesPython(t *testing.T) {
	var got struct {
		Cases []struct {
			XML    string `json:"xml"`
			XMLB64 string `json:"xml_b64"`
			Method string `json:"method"`
			Want   any    `json:"want"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(runPython(t, nil, "dumps"), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Cases) < 30 {
		t.Fatalf("only %d cases from python", len(got.Cases))
	}
	for i, c := range got.Cases {
		if c.XMLB64 != "" {
			doc, err := base64.StdEncoding.DecodeString(c.XMLB64)
			if err != nil {
				t.Fatal(err)
			}
			call, err := xmlrpc.DecodeCall(doc)
			if err != nil {
				t.Errorf("case %d: DecodeCall: %v\n%s", i, err, doc)
				continue
			}
			ps, err := call.Params()
			if err != nil {
				t.Errorf("case %d: %v", i, err)
				continue
			}
			if call.Method != c.Method || !reflect.DeepEqual(tagged(t, ps), c.Want) {
				t.Errorf("case %d: method %q params %v, want %q %v", i, call.Method, tagged(t, ps), c.Method, c.Want)
			}
			continue
		}
		var v any
		if err := xmlrpc.UnmarshalResponse([]byte(c.XML), &v); err != nil {
			t.Errorf("case %d: %v\n%s", i, err, c.XML)
			continue
		}
		if g := tagged(t, v); !reflect.DeepEqual(g, c.Want) {
			t.Errorf("case %d:\ngo     %v\npython %v\n%s", i, g, c.Want, strings.TrimSpace(c.XML))
		}
	}
}
