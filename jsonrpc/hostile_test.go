package jsonrpc_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

// serveCode answers body with a Codec and returns the first error code answered.
func serveCode(t *testing.T, c *jsonrpc.Codec, body []byte) (int, string) {
	t.Helper()
	out, sum := c.Serve(context.Background(), nil, body, func(context.Context, *jsonrpc.Request) (any, error) { return 1, nil })
	return sum.Code, string(out)
}

// allocated returns the bytes allocated while running f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// leastAllocated is the fewest bytes allocated by any of three runs of f, with one P as
// testing.AllocsPerRun runs: TotalAlloc counts the whole process, and the runtime and other
// goroutines of the test binary allocate now and then while f runs (4,240 bytes where f takes
// under 4 KiB, once in a CI run under -race).
func leastAllocated(f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	least := allocated(f)
	for range 2 {
		least = min(least, allocated(f))
	}
	return least
}

func TestDepthLimit(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	var v any
	if err := jsonrpc.Unmarshal([]byte(deep(100)), &v); err != nil {
		t.Errorf("depth 100: %v", err)
	}
	for _, n := range []int{101, 1_000_000} {
		err := jsonrpc.Unmarshal([]byte(deep(n)), &v)
		var le *jsonrpc.LimitError
		if !errors.Is(err, jsonrpc.ErrTooDeep) || !errors.As(err, &le) || le.Limit != 100 {
			t.Errorf("depth %d: got %v", n, err)
		}
	}
	if err := (jsonrpc.DecodeOptions{MaxDepth: 2}).Unmarshal([]byte(`{"a":[{}]}`), &v); !errors.Is(err, jsonrpc.ErrTooDeep) {
		t.Errorf("MaxDepth 2: got %v", err)
	}
	// In a request, the envelope counts: the batch and the request object are two levels.
	var c jsonrpc.Codec
	body := []byte(`[{"jsonrpc":"2.0","method":"m","params":` + deep(99) + `,"id":1}]`)
	if code, out := serveCode(t, &c, body); code != jsonrpc.CodeParseError || !strings.Contains(out, "depth limit of 100") {
		t.Errorf("deep params: %d %s", code, out)
	}
	body = []byte(`[{"jsonrpc":"2.0","method":"m","params":` + deep(98) + `,"id":1}]`)
	if code, out := serveCode(t, &c, body); code != 0 {
		t.Errorf("params at the limit: %d %s", code, out)
	}
	// Objects nest too, and a million of them cost nothing but the scan.
	body = []byte(`{"jsonrpc":"2.0","method":"m","params":[` + strings.Repeat(`{"a":`, 1_000_000) + `1` + strings.Repeat("}", 1_000_000) + `]}`)
	if n := allocated(func() { serveCode(t, &c, body) }); n > 64<<10 {
		t.Errorf("a refused deep document allocated %d bytes", n)
	}
}

func TestLongNumbers(t *testing.T) {
	digits := strings.Repeat("7", 4300)
	var v any
	if err := jsonrpc.Unmarshal([]byte(digits), &v); err != nil {
		t.Fatalf("4300 digits: %v", err)
	}
	if b, ok := v.(*big.Int); !ok || b.String() != digits {
		t.Errorf("4300 digits into any: %T", v)
	}
	var n int64
	var te *jsonrpc.UnmarshalTypeError
	if err := jsonrpc.Unmarshal([]byte(digits), &n); !errors.As(err, &te) {
		t.Errorf("4300 digits into int64: %v", err)
	}
	for _, lit := range []string{strings.Repeat("9", 4301), "0." + strings.Repeat("1", 5000), "1e" + strings.Repeat("9", 5000),
		strings.Repeat("1", 100_000)} {
		var le *jsonrpc.LimitError
		if err := jsonrpc.Unmarshal([]byte(lit), &v); !errors.As(err, &le) || le.What != "number length" {
			t.Errorf("%d-character number: got %v", len(lit), err)
		}
	}
	// Short literals beyond float64's range are range errors, not infinities.
	for _, lit := range []string{"1e999999999", "-1e400"} {
		if err := jsonrpc.Unmarshal([]byte(lit), &v); !errors.As(err, &te) {
			t.Errorf("%s into any: got %v, %v", lit, v, err)
		}
	}
	var c jsonrpc.Codec
	if code, _ := serveCode(t, &c, []byte(`{"jsonrpc":"2.0","method":"m","params":[`+strings.Repeat("1", 10000)+`],"id":1}`)); code != jsonrpc.CodeParseError {
		t.Errorf("long number in a request: code %d", code)
	}
}

func TestDuplicateKeys(t *testing.T) {
	many := func(n int, dup string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			b.WriteString(`"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + `":1,`)
		}
		b.WriteString(dup + `:2}`)
		return b.String()
	}
	for _, doc := range []string{
		`{"a":1,"a":2}`,
		`{"a":1,"\u0061":2}`,
		`{"a":1,"b":{"c":1,"c":1}}`,
		`[{"x":1},{"x":1,"y":2,"x":3}]`,
		many(100, `"kaaa"`),   // compared through a map
		many(10000, `"khaa"`), // still linear
	} {
		var v any
		err := jsonrpc.Unmarshal([]byte(doc), &v)
		var se *jsonrpc.SyntaxError
		if !errors.Is(err, jsonrpc.ErrDuplicateKey) || !errors.As(err, &se) {
			t.Errorf("%.60s: got %v", doc, err)
		}
	}
	// The same name in sibling or nested objects is no duplicate.
	var v any
	if err := jsonrpc.Unmarshal([]byte(`{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`), &v); err != nil {
		t.Error(err)
	}
	if err := jsonrpc.Unmarshal([]byte(many(3000, `"other"`)), &v); err != nil {
		t.Error(err)
	}
	// Duplicates in the envelope cannot smuggle a second method or id past the check.
	var c jsonrpc.Codec
	for _, body := range []string{
		`{"jsonrpc":"2.0","method":"safe","method":"unsafe","id":1}`,
		`{"jsonrpc":"2.0","method":"m","id":1,"id":2}`,
	} {
		if code, out := serveCode(t, &c, []byte(body)); code != jsonrpc.CodeParseError || !strings.Contains(out, "duplicate member name") {
			t.Errorf("%s: %d %s", body, code, out)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	for _, doc := range []string{
		"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"a\xe2\x82\"", `"\ud800"`, `"\udc00\ud800"`, `"\ud800\u0041"`,
		"{\"\xff\":1}",
	} {
		var v any
		if err := jsonrpc.Unmarshal([]byte(doc), &v); !errors.Is(err, jsonrpc.ErrInvalidUTF8) {
			t.Errorf("%q: got %v", doc, err)
		}
	}
	var c jsonrpc.Codec
	if code, _ := serveCode(t, &c, []byte("{\"jsonrpc\":\"2.0\",\"method\":\"m\xff\",\"id\":1}")); code != jsonrpc.CodeParseError {
		t.Errorf("invalid UTF-8 in a method name: code %d", code)
	}
}

func TestMalformed(t *testing.T) {
	for _, doc := range []string{
		``, ` `, `{`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{1:2}`, `{'a':1}`, `tru`, `nul`, `01`, `1.`, `.5`, `+1`,
		`-`, `1e`, `1e+`, `"a`, `"\x"`, `"\u12"`, "\"\x01\"", "\"\t\"", `NaN`, `Infinity`, `[1]x`, `{"a":1}{"b":2}`, "\x00",
		"\xef\xbb\xbf{}", `/* c */ 1`,
	} {
		var v any
		var se *jsonrpc.SyntaxError
		if err := jsonrpc.Unmarshal([]byte(doc), &v); !errors.As(err, &se) {
			t.Errorf("%q: got %v", doc, err)
		}
	}
}

func TestBatchLimit(t *testing.T) {
	var c jsonrpc.Codec
	entry := `{"jsonrpc":"2.0","method":"m","params":[1],"id":1},`
	at := func(n int) []byte { return []byte("[" + strings.Repeat(entry, n-1) + entry[:len(entry)-1] + "]") }
	if code, out := serveCode(t, &c, at(1000)); code != 0 || strings.Count(out, `"result":1`) != 1000 {
		t.Errorf("1,000 entries: code %d", code)
	}
	if code, out := serveCode(t, &c, at(1001)); code != jsonrpc.CodeInvalidRequest || !strings.Contains(out, "batch limit of 1000") {
		t.Errorf("1,001 entries: %d %.200s", code, out)
	}
	// A million entries are refused after the first thousand: the rest is never looked at beyond
	// the size limit, and costs no memory.
	million := at(1_000_000)
	var out string
	n := allocated(func() { _, out = serveCode(t, &c, million) })
	if !strings.Contains(out, "batch limit") || n > 1<<20 {
		t.Errorf("1,000,000 entries: allocated %d bytes, answered %.200s", n, out)
	}
	_, _, err := jsonrpc.DecodeOptions{MaxBatch: 2}.DecodeRequests(at(3))
	if !errors.Is(err, jsonrpc.ErrBatchTooLarge) || jsonrpc.ErrorCode(err) != jsonrpc.CodeInvalidRequest {
		t.Errorf("MaxBatch 2: %v", err)
	}
}

func TestSizeLimit(t *testing.T) {
	body := []byte(`{"jsonrpc":"2.0","method":"m","params":["` + strings.Repeat("x", 2000) + `"],"id":1}`)
	c := jsonrpc.Codec{Decode: jsonrpc.DecodeOptions{MaxSize: 1024}}
	if code, out := serveCode(t, &c, body); code != jsonrpc.CodeParseError || !strings.Contains(out, "size limit of 1024") {
		t.Errorf("%d %s", code, out)
	}
	var v any
	if err := (jsonrpc.DecodeOptions{MaxSize: 10}).Unmarshal(bytes.Repeat([]byte(" "), 11), &v); !errors.Is(err, jsonrpc.ErrTooLarge) {
		t.Errorf("Unmarshal: %v", err)
	}
	if err := (jsonrpc.DecodeOptions{MaxSize: 10}).UnmarshalResponse(bytes.Repeat([]byte(" "), 11), &v); !errors.Is(err, jsonrpc.ErrTooLarge) {
		t.Errorf("UnmarshalResponse: %v", err)
	}
	// The default limit refuses a body over 64 MiB before reading it.
	huge := make([]byte, jsonrpc.DefaultMaxSize+1)
	if n := allocated(func() {
		if code, _ := serveCode(t, &jsonrpc.Codec{}, huge); code != jsonrpc.CodeParseError {
			t.Errorf("default limit: code %d", code)
		}
	}); n > 64<<10 {
		t.Errorf("refusing a huge body allocated %d bytes", n)
	}
}

// TestValuesLimit checks that a dense document, which would cost many times its size decoded into
// interfaces, is refused before anything is built.
func TestValuesLimit(t *testing.T) {
	dense := []byte(`{"jsonrpc":"2.0","method":"system.multicall","params":[[` + strings.Repeat(`{},`, 5_000_000) + `{}]],"id":1}`)
	var c jsonrpc.Codec
	var code int
	var out string
	if n := allocated(func() { code, out = serveCode(t, &c, dense) }); code != jsonrpc.CodeParseError ||
		!strings.Contains(out, "values limit of 1000000") || n > 64<<10 {
		t.Errorf("allocated %d bytes, answered %d %.200s", n, code, out)
	}
	var v any
	err := jsonrpc.DecodeOptions{MaxValues: 3}.Unmarshal([]byte(`[1,[2]]`), &v)
	var le *jsonrpc.LimitError
	if !errors.As(err, &le) || le.What != "values" {
		t.Errorf("MaxValues 3: %v", err)
	}
	if err := (jsonrpc.DecodeOptions{MaxValues: 4}).Unmarshal([]byte(`[1,[2]]`), &v); err != nil {
		t.Errorf("MaxValues 4: %v", err)
	}
}

// TestManyParams checks that a request with a million positional params costs no memory per param
// to decode, and that params can be read in any order.
func TestManyParams(t *testing.T) {
	body := []byte(`{"jsonrpc":"2.0","method":"m","params":[` + strings.Repeat(`7,`, 999_999) + `8],"id":1}`)
	var reqs []jsonrpc.Request
	var err error
	o := jsonrpc.DecodeOptions{MaxValues: 2_000_000}
	if n := leastAllocated(func() { reqs, _, err = o.DecodeRequests(body) }); err != nil || n > 4<<10 {
		t.Fatalf("decoding allocated %d bytes, %v", n, err)
	}
	r := &reqs[0]
	if r.NumParams() != 1_000_000 {
		t.Fatalf("NumParams %d", r.NumParams())
	}
	sum := 0
	for i := range r.NumParams() {
		var x int
		if err := r.DecodeParam(i, &x); err != nil {
			t.Fatal(err)
		}
		sum += x
	}
	if sum != 7_000_001 {
		t.Errorf("sum %d", sum)
	}
	for _, i := range []int{999_999, 3, 0, 999_998} {
		var x int
		if err := r.DecodeParam(i, &x); err != nil || x != 7+(i/999_999) {
			t.Errorf("param %d: %d %v", i, x, err)
		}
	}
}
