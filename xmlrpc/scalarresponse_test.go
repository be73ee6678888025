package xmlrpc_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/harp-rpc/harp/internal/fastpath"
	"github.com/harp-rpc/harp/xmlrpc"
)

// TestScalarResponseAgrees checks AppendResponse's path for scalar results against the general
// encoder, reached through named types of the same kinds: the same bytes, or an error for both.
func TestScalarResponseAgrees(t *testing.T) {
	if !fastpath.Enabled {
		t.Skip("harp_nofastpath: AppendResponse encodes both sides with the general encoder, so there is no fast path to compare")
	}
	type (
		myString string
		myInt    int
		myInt64  int64
		myInt32  int32
		myBool   bool
		myFloat  float64
	)
	var nilPtr *int
	pairs := [][2]any{
		{nil, nilPtr},
		{"", myString("")}, {"a<b&c>\"'", myString("a<b&c>\"'")}, {"ünïcode ✓", myString("ünïcode ✓")},
		{"bad \xff utf-8", myString("bad \xff utf-8")}, {"nul \x00", myString("nul \x00")},
		{0, myInt(0)}, {-5, myInt(-5)}, {math.MaxInt32 + 1, myInt(math.MaxInt32 + 1)}, {math.MinInt64, myInt(math.MinInt64)},
		{int64(math.MaxInt64), myInt64(math.MaxInt64)}, {int64(7), myInt64(7)},
		{int32(math.MinInt32), myInt32(math.MinInt32)},
		{true, myBool(true)}, {false, myBool(false)},
		{1.5, myFloat(1.5)}, {1e-9, myFloat(1e-9)}, {1e-300, myFloat(1e-300)}, {1.5e300, myFloat(1.5e300)}, {5e-324, myFloat(5e-324)}, {-0.0, myFloat(-0.0)}, {math.NaN(), myFloat(math.NaN())}, {math.Inf(1), myFloat(math.Inf(1))},
	}
	for _, o := range []xmlrpc.EncodeOptions{{}, {Dialect: xmlrpc.DialectApache}, {DisallowNil: true}} {
		for _, p := range pairs {
			dst := []byte("prefix")
			fast, ferr := o.AppendResponse(dst, p[0])
			slow, serr := o.AppendResponse(dst, p[1])
			if (ferr == nil) != (serr == nil) || !bytes.Equal(fast, slow) {
				t.Errorf("%+v: %#v gives %q, %v; %#v gives %q, %v", o, p[0], fast, ferr, p[1], slow, serr)
			}
			if ferr != nil && ferr.Error() != serr.Error() {
				t.Errorf("%+v: %#v: error %q, general encoder %q", o, p[0], ferr, serr)
			}
		}
	}
}
