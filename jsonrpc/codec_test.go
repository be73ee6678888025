package jsonrpc_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

func TestNaturalTypes(t *testing.T) {
	var got any
	err := jsonrpc.Unmarshal([]byte(`{"a":[1,-2147483648,2147483648,-9223372036854775808,9223372036854775808,1.5,2.0,1e3,-0.0,"s\u00e9\ud83d\ude00",true,false,null,{},[]]}`), &got)
	if err != nil {
		t.Fatal(err)
	}
	big1, _ := new(big.Int).SetString("9223372036854775808", 10)
	want := map[string]any{"a": []any{1, -2147483648, int64(2147483648), int64(math.MinInt64), big1, 1.5, 2.0, 1000.0,
		math.Copysign(0, -1), "sé😀", true, false, nil, map[string]any{}, []any{}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestIntegersExact(t *testing.T) {
	var n int64
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{`9007199254740993`, 9007199254740993}, // 2^53+1: float64 would read 2^53
		{`-9223372036854775808`, math.MinInt64},
		{`9223372036854775807`, math.MaxInt64},
		{`"9007199254740993"`, 9007199254740993},
		{`3.0`, 3},
		{`1e3`, 1000},
		{`-0`, 0},
	} {
		if err := jsonrpc.Unmarshal([]byte(tt.in), &n); err != nil || n != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.in, n, err, tt.want)
		}
	}
	for _, in := range []string{`9223372036854775808`, `"9223372036854775808"`, `3.5`, `1e20`, `"12"`, `"12x"`, `"1.0"`, `true`, `[]`} {
		err := jsonrpc.Unmarshal([]byte(in), &n)
		var te *jsonrpc.UnmarshalTypeError
		if !errors.As(err, &te) {
			t.Errorf("%s into int64: got %v, want *UnmarshalTypeError", in, err)
		}
	}
	var u uint64
	if err := jsonrpc.Unmarshal([]byte(`18446744073709551615`), &u); err != nil || u != math.MaxUint64 {
		t.Errorf("max uint64: %d, %v", u, err)
	}
	for _, in := range []string{`18446744073709551616`, `-1`} {
		if err := jsonrpc.Unmarshal([]byte(in), &u); err == nil {
			t.Errorf("%s into uint64: no error", in)
		}
	}
	var i8 int8
	if err := jsonrpc.Unmarshal([]byte(`128`), &i8); err == nil {
		t.Error("128 into int8: no error")
	}
	var b big.Int
	if err := jsonrpc.Unmarshal([]byte(`-123456789012345678901234567890`), &b); err != nil || b.String() != "-123456789012345678901234567890" {
		t.Errorf("big.Int: %v %v", &b, err)
	}
	var f float32
	if err := jsonrpc.Unmarshal([]byte(`1e39`), &f); err == nil {
		t.Error("1e39 into float32: no error")
	}
	var x any
	if err := jsonrpc.Unmarshal([]byte(`1e400`), &x); err == nil {
		t.Error("1e400 into any: no error")
	}
}

func TestEncodeNumbers(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{2.0, `2.0`}, {0.1, `0.1`}, {1e21, `1e+21`}, {1e-7, `1e-7`}, {123456789.0, `123456789.0`},
		{math.Copysign(0, -1), `-0.0`}, {float32(0.1), `0.1`}, {int64(1) << 62, `4611686018427387904`},
		{uint64(math.MaxUint64), `18446744073709551615`}, {int8(-5), `-5`},
		{big.NewInt(-7), `-7`}, {big.NewFloat(2.5), `2.5`}, {big.NewFloat(3), `3.0`},
	} {
		got, err := jsonrpc.Marshal(tt.v)
		if err != nil || string(got) != tt.want {
			t.Errorf("%T %v: got %s, %v; want %s", tt.v, tt.v, got, err, tt.want)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), float32(math.Inf(-1))} {
		var ue *jsonrpc.UnsupportedValueError
		if _, err := jsonrpc.Marshal(v); !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want *UnsupportedValueError", v, err)
		}
	}
}

func TestLargeIntsAsStrings(t *testing.T) {
	o := jsonrpc.EncodeOptions{LargeIntsAsStrings: true}
	v := []any{int64(1<<53 - 1), int64(1 << 53), int64(-(1<<53 - 1)), int64(-(1 << 53)), uint64(math.MaxUint64), 5,
		new(big.Int).Lsh(big.NewInt(1), 70)}
	got, err := o.AppendValue(nil, v)
	want := `[9007199254740991,"9007199254740992",-9007199254740991,"-9007199254740992","18446744073709551615",5,"1180591620717411303424"]`
	if err != nil || string(got) != want {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	// They read back into Go integers exactly.
	var back []int64
	if err := jsonrpc.Unmarshal([]byte(`[9007199254740991,"9007199254740992","-9007199254740992"]`), &back); err != nil ||
		!reflect.DeepEqual(back, []int64{1<<53 - 1, 1 << 53, -(1 << 53)}) {
		t.Errorf("read back %v, %v", back, err)
	}
	var b big.Int
	if err := jsonrpc.Unmarshal([]byte(`"1180591620717411303424"`), &b); err != nil || b.String() != "1180591620717411303424" {
		t.Errorf("big.Int from a string: %v, %v", &b, err)
	}
}

func TestBytesAndTimes(t *testing.T) {
	type T struct {
		B  []byte
		At time.Time
		P  *time.Time
	}
	at := time.Date(2024, 5, 1, 12, 30, 0, 500, time.FixedZone("x", 2*3600))
	in := T{B: []byte{0, 1, 2, 0xff, 'a'}, At: at}
	doc, err := jsonrpc.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"B":"AAEC/2E=","At":"2024-05-01T10:30:00.0000005Z","P":null}`; string(doc) != want {
		t.Errorf("got %s, want %s", doc, want)
	}
	var out T
	if err := jsonrpc.Unmarshal(doc, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.B, in.B) || !out.At.Equal(at) || out.P != nil {
		t.Errorf("round trip: %+v", out)
	}
	for in, want := range map[string]time.Time{
		`"1998-07-17T14:08:55Z"`:      time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC),
		`"1998-07-17T14:08:55+02:00"`: time.Date(1998, 7, 17, 12, 8, 55, 0, time.UTC),
		`"1998-07-17T14:08:55.25"`:    time.Date(1998, 7, 17, 14, 8, 55, 25e7, time.UTC),
		`"19980717T14:08:55"`:         time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC),
	} {
		var got time.Time
		if err := jsonrpc.Unmarshal([]byte(in), &got); err != nil || !got.Equal(want) {
			t.Errorf("%s: got %v, %v", in, got, err)
		}
	}
	var b []byte
	for in, want := range map[string]string{`"YWJj"`: "abc", `"YWI"`: "ab", `"YW\nJj"`: "abc", `null`: ""} {
		if err := jsonrpc.Unmarshal([]byte(in), &b); err != nil || string(b) != want {
			t.Errorf("%s: got %q, %v", in, b, err)
		}
	}
	for _, in := range []string{`"a!b"`, `5`} {
		if err := jsonrpc.Unmarshal([]byte(in), &b); err == nil {
			t.Errorf("%s into []byte: no error", in)
		}
	}
	var tm time.Time
	if err := jsonrpc.Unmarshal([]byte(`"yesterday"`), &tm); err == nil {
		t.Error("bad time: no error")
	}
	if _, err := jsonrpc.Marshal(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("year 10000: no error")
	}
}

type Embedded struct {
	Inner string `json:"inner"`
}

type tagged struct {
	JSON      int    `json:"j"`
	XMLRPC    int    `xmlrpc:"x"`
	Both      int    `json:"b" xmlrpc:"not_this"`
	Plain     int    //
	Omitted   string `json:"o,omitempty"`
	Skipped   int    `json:"-"`
	unexposed int
	Embedded
	Ptr   *int              `json:"ptr"`
	Slice []int             `json:"slice"`
	Map   map[string]string `json:"map"`
}

func TestStructs(t *testing.T) {
	doc, err := jsonrpc.Marshal(tagged{JSON: 1, XMLRPC: 2, Both: 3, Plain: 4, Skipped: 5, unexposed: 6, Embedded: Embedded{"e"}})
	want := `{"j":1,"x":2,"b":3,"Plain":4,"inner":"e","ptr":null,"slice":[],"map":{}}`
	if err != nil || string(doc) != want {
		t.Errorf("got %s, %v\nwant %s", doc, err, want)
	}
	var got tagged
	err = jsonrpc.Unmarshal([]byte(`{"J":1,"x":2,"b":3,"plain":4,"o":"yes","Skipped":9,"inner":"e","ptr":7,"slice":[1,2],"map":{"k":"v"},"other":[{}]}`), &got)
	seven := 7
	if err != nil || !reflect.DeepEqual(got, tagged{JSON: 1, XMLRPC: 2, Both: 3, Plain: 4, Omitted: "yes", Embedded: Embedded{"e"},
		Ptr: &seven, Slice: []int{1, 2}, Map: map[string]string{"k": "v"}}) {
		t.Errorf("got %+v, %v", got, err)
	}
	err = jsonrpc.DecodeOptions{DisallowUnknownFields: true}.Unmarshal([]byte(`{"j":1,"sub":{"other":1}}`), &struct {
		J   int
		Sub struct{ A int } `json:"sub"`
	}{})
	var ue *jsonrpc.UnknownFieldError
	if !errors.As(err, &ue) || ue.Name != "other" || ue.Path != "sub.other" {
		t.Errorf("unknown field: %v", err)
	}
}

func TestErrorPaths(t *testing.T) {
	type row struct {
		ID int `json:"id"`
	}
	type table struct {
		Rows []row `json:"rows"`
	}
	reqs, _, err := jsonrpc.DecodeRequests([]byte(`{"jsonrpc":"2.0","method":"m","params":[{"rows":[{"id":1},{"id":2},{"id":3},{"id":"x"}]}],"id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var tb table
	err = reqs[0].DecodeParam(0, &tb)
	var te *jsonrpc.UnmarshalTypeError
	if !errors.As(err, &te) || te.Path != "params[0].rows[3].id" || te.Value != "string" || te.Type != reflect.TypeFor[int]() {
		t.Fatalf("got %v", err)
	}
	if want := `jsonrpc: cannot unmarshal string into Go value of type int at params[0].rows[3].id`; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if jsonrpc.ErrorCode(err) != jsonrpc.CodeInvalidParams {
		t.Errorf("code %d", jsonrpc.ErrorCode(err))
	}
	reqs, _, _ = jsonrpc.DecodeRequests([]byte(`{"jsonrpc":"2.0","method":"m","params":{"rows":[{"id":1},{"id":[]}]},"id":1}`))
	if err := reqs[0].DecodeParam(0, &tb); !errors.As(err, &te) || te.Path != "params.rows[1].id" {
		t.Errorf("named: got %v", err)
	}
	var m map[string][][]int
	reqs, _, _ = jsonrpc.DecodeRequests([]byte(`{"jsonrpc":"2.0","method":"m","params":[1,{"a b":[[1],[2,null,true]]}],"id":1}`))
	if err := reqs[0].DecodeParam(1, &m); !errors.As(err, &te) || te.Path != "params[1].a b[1][2]" {
		t.Errorf("nested: got %v", err)
	}
	if err := reqs[0].DecodeParam(2, &m); err == nil {
		t.Error("index out of range: no error")
	}
	if err := reqs[0].DecodeParam(0, m); err == nil {
		t.Error("non-pointer: no error")
	}
}

func TestStrings(t *testing.T) {
	doc, err := jsonrpc.Marshal("a\"\\\n\t\x01<&>\u2028\u2029é😀")
	if want := `"a\"\\\n\t\u0001<&>\u2028\u2029é😀"`; err != nil || string(doc) != want {
		t.Errorf("got %s, %v; want %s", doc, err, want)
	}
	var ue *jsonrpc.UnsupportedValueError
	if _, err := jsonrpc.Marshal(map[string]any{"k": []any{"ok", "bad\xff"}}); !errors.As(err, &ue) || ue.Path != "k[1]" {
		t.Errorf("invalid UTF-8: got %v", err)
	}
	var s string
	if err := jsonrpc.Unmarshal([]byte(`"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`), &s); err != nil || s != "\"\\/\b\f\n\r\té😀" {
		t.Errorf("unescape: %q, %v", s, err)
	}
}

type upper string

func (u upper) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(string(u))) }

func (u *upper) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*u = upper(strings.ToLower(s))
	return nil
}

type broken struct{}

func (broken) MarshalJSON() ([]byte, error) { return []byte(`{"a":}`), nil }

func TestJSONMarshalers(t *testing.T) {
	doc, err := jsonrpc.Marshal(map[string]any{"u": upper("abc"), "raw": json.RawMessage(` [1, 2] `), "nil": json.RawMessage(nil)})
	if want := `{"nil":null,"raw":[1, 2],"u":"ABC"}`; err != nil || string(doc) != want {
		t.Errorf("got %s, %v; want %s", doc, err, want)
	}
	var u upper
	if err := jsonrpc.Unmarshal([]byte(`"XYZ"`), &u); err != nil || u != "xyz" {
		t.Errorf("UnmarshalJSON: %q %v", u, err)
	}
	if err := jsonrpc.Unmarshal([]byte(`5`), &u); err == nil {
		t.Error("UnmarshalJSON error not reported")
	}
	if _, err := jsonrpc.Marshal(broken{}); err == nil {
		t.Error("invalid MarshalJSON output accepted")
	}
}

type cyclic struct{ Next *cyclic }

func TestEncodeRefuses(t *testing.T) {
	c := &cyclic{}
	c.Next = c
	for _, v := range []any{c, make(chan int), map[int]string{1: "a"}, complex(1, 2), func() {}} {
		if out, err := jsonrpc.Marshal(v); err == nil {
			t.Errorf("%T: got %s, want an error", v, out)
		}
	}
}

// TestAgreesWithEncodingJSON checks that what this package writes, encoding/json reads as the same
// Go value, and the reverse.
func TestAgreesWithEncodingJSON(t *testing.T) {
	type rec struct {
		Name  string            `json:"name"`
		N     int64             `json:"n"`
		F     float64           `json:"f"`
		B     []byte            `json:"b"`
		T     time.Time         `json:"t"`
		Tags  map[string]string `json:"tags"`
		Items []*rec            `json:"items,omitempty"`
	}
	in := rec{Name: "x<y>&\u2028", N: -1 << 60, F: 0.1, B: []byte("hi"), T: time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC),
		Tags: map[string]string{"b": "2", "a": "1"}, Items: []*rec{{Name: "child", B: []byte{}, Tags: map[string]string{}}}}
	ours, err := jsonrpc.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var viaStd rec
	if err := json.Unmarshal(ours, &viaStd); err != nil || !reflect.DeepEqual(viaStd, in) {
		t.Errorf("encoding/json read %s as %+v, %v", ours, viaStd, err)
	}
	std, _ := json.Marshal(in)
	var viaOurs rec
	if err := jsonrpc.Unmarshal(std, &viaOurs); err != nil || !reflect.DeepEqual(viaOurs, in) {
		t.Errorf("read %s as %+v, %v", std, viaOurs, err)
	}
}
