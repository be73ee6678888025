package jsonrpc

import (
	"testing"

	"github.com/harp-rpc/harp/internal/fastpath"
)

// skipWithoutFastPaths skips a test of IntParam and StringParam under the harp_nofastpath tag,
// where they always leave the param to DecodeParam and there is nothing to compare.
func skipWithoutFastPaths(t testing.TB) {
	if !fastpath.Enabled {
		t.Skip("harp_nofastpath: IntParam and StringParam offer nothing, DecodeParam decodes every param")
	}
}

// checkScalarParams checks IntParam and StringParam against DecodeParam for every positional
// param of the request with params: whatever they return as at hand must be what DecodeParam
// decodes into an *int64 or a *string. Every other param is decoded between them, so the cursor
// they move is exercised too.
func checkScalarParams(t *testing.T, params string) {
	body := `{"jsonrpc":"2.0","method":"m","params":` + params + `,"id":1}`
	reqs, _, err := DecodeRequests([]byte(body))
	if err != nil || len(reqs) != 1 || reqs[0].Err != nil {
		return
	}
	fast, slow := reqs[0], reqs[0] // two cursors over the same document
	for i := range fast.NumParams() + 1 {
		if n, ok := fast.IntParam(i); ok {
			var want int64
			if err := slow.DecodeParam(i, &want); err != nil || want != n {
				t.Fatalf("params %s: IntParam(%d) = %d, DecodeParam gives %d, %v", params, i, n, want, err)
			}
		} else if s, ok := fast.StringParam(i); ok {
			var want string
			if err := slow.DecodeParam(i, &want); err != nil || want != s {
				t.Fatalf("params %s: StringParam(%d) = %q, DecodeParam gives %q, %v", params, i, s, want, err)
			}
		} else if i < fast.NumParams() && !fast.Named() {
			var a, b any
			errA, errB := fast.DecodeParam(i, &a), slow.DecodeParam(i, &b)
			if (errA == nil) != (errB == nil) {
				t.Fatalf("params %s: param %d decodes with %v after the scalar methods, %v without", params, i, errA, errB)
			}
		}
	}
}

func TestScalarParamsAgree(t *testing.T) {
	skipWithoutFastPaths(t)
	for _, params := range []string{
		`[2,3]`, `[ -0 , 0, -5 ,123456789012345678]`, `[1234567890123456789, -9223372036854775808, 9223372036854775807]`,
		`[1.5, 1e3, 2E2, -1.0e-3, 7]`, `["abc", "", "a\"b", "\u00e9t\u00e9", "été", "tab\tx", 9, "z"]`,
		`[null, true, false, [1,2], {"a":"b"}, "after", 4]`, `{"a":1}`, `[]`, `[[["deep"]], 8, "s"]`,
	} {
		checkScalarParams(t, params)
	}
}

// FuzzScalarParams checks IntParam and StringParam against DecodeParam on any params.
func FuzzScalarParams(f *testing.F) {
	skipWithoutFastPaths(f)
	for _, s := range []string{`[2,3]`, `["a",1.5,-7,"\n"]`, `[123456789012345678901,"é",{"x":[1]},0]`, `{"a":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, params string) { checkScalarParams(t, params) })
}
