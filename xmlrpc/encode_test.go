package xmlrpc

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

func marshalString(t *testing.T, v any) string {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", v, err)
	}
	return string(b)
}

func TestMarshalScalars(t *testing.T) {
	type named string
	str := "p"
	tenth, fifth := 0.1, 0.2
	tests := []struct {
		in   any
		want string
	}{
		{42, "<int>42</int>"},
		{int8(-8), "<int>-8</int>"},
		{uint16(65535), "<int>65535</int>"},
		{int64(math.MaxInt32), "<int>2147483647</int>"},
		{int64(math.MinInt32), "<int>-2147483648</int>"},
		{int64(math.MaxInt32 + 1), "<i8>2147483648</i8>"},
		{int64(math.MinInt32 - 1), "<i8>-2147483649</i8>"},
		{int(1 << 34), "<i8>17179869184</i8>"},
		{uint64(math.MaxInt64), "<i8>9223372036854775807</i8>"},
		{true, "<boolean>1</boolean>"},
		{false, "<boolean>0</boolean>"},
		{"s", "<string>s</string>"},
		{named("n"), "<string>n</string>"},
		{&str, "<string>p</string>"},
		{"", "<string></string>"},
		{tenth + fifth, "<double>0.30000000000000004</double>"},
		{1e-7, "<double>0.0000001</double>"},
		{1e21, "<double>1000000000000000000000</double>"},
		{100.0, "<double>100</double>"},
		{-0.5, "<double>-0.5</double>"},
		{float32(0.1), "<double>0.10000000149011612</double>"},
		{float64(math.MaxInt32 + 42), "<double>2147483689</double>"},
		{[]byte("\x00byte string\xff"), "<base64>AGJ5dGUgc3RyaW5n/w==</base64>"},
		{time.Date(1998, 7, 17, 14, 8, 55, 999, time.UTC), "<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"},
		{time.Date(1998, 7, 17, 16, 8, 55, 0, time.FixedZone("", 7200)), "<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"},
		{time.Date(1, 2, 10, 11, 41, 23, 0, time.UTC), "<dateTime.iso8601>00010210T11:41:23</dateTime.iso8601>"},
		{nil, "<nil/>"},
		{(*int)(nil), "<nil/>"},
		{[]int(nil), "<array><data></data></array>"},
		{map[string]int(nil), "<struct></struct>"},
		{bigInt("98765432100123456789"), "<biginteger>98765432100123456789</biginteger>"},
		{big.NewInt(5), "<int>5</int>"},
		{I8(5), "<i8>5</i8>"},
		{[]I8{-1}, "<array><data><value><i8>-1</i8></value></data></array>"},
	}
	for _, tt := range tests {
		if got := marshalString(t, tt.in); got != "<value>"+tt.want+"</value>" {
			t.Errorf("Marshal(%#v) = %s, want <value>%s</value>", tt.in, got, tt.want)
		}
	}
}

// Doubles are written in the shortest form that reads back exactly.
func TestFloatRoundTrip(t *testing.T) {
	tenth, fifth := 0.1, 0.2
	for _, f := range []float64{tenth + fifth, 1e-7, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64, 1.0 / 3, 123456789.123456789, 0} {
		b := marshalString(t, f)
		var got float64
		if err := Unmarshal([]byte(b), &got); err != nil || got != f {
			t.Errorf("%v -> %s -> %v (%v)", f, b, got, err)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	cyc := []any{nil}
	cyc[0] = cyc
	tests := []struct {
		in   any
		want string // substring of the error
	}{
		{uint64(math.MaxInt64) + 1, "above the 64-bit signed range"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "infinity"},
		{"bad\x00char", "cannot be carried by XML"},
		{"bell\x07", "cannot be carried by XML"},
		{"\xff\xfe", "invalid UTF-8"},
		{"\uFFFE", "cannot be carried by XML"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "years 0 to 9999"},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), "years 0 to 9999"},
		{make(chan int), "unsupported type"},
		{map[int]string{1: "a"}, "unsupported type"},
		{complex(1, 2), "unsupported type"},
		{map[string]any{"ok": []any{1, map[string]any{"bad": math.NaN()}}}, "at ok[1].bad"},
		{map[string]any{"a\x01": 1}, "member name"},
		{cyc, "a cycle"},
	}
	for _, tt := range tests {
		_, err := Marshal(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Marshal(%T): err = %v, want it to mention %q", tt.in, err, tt.want)
		}
	}
	if _, err := MarshalCall("m", 1, math.NaN()); err == nil || !strings.Contains(err.Error(), "params[1]") {
		t.Errorf("MarshalCall error path: %v", err)
	}
	if _, err := MarshalCall("bad\x01name"); err == nil {
		t.Error("control character in method name accepted")
	}
	if _, err := MarshalFault(&Fault{Code: 1 << 40}); err == nil {
		t.Error("64-bit fault code accepted")
	}
}

// Every string survives a round trip, CR included: the encoder writes it as &#13; because XML
// parsers turn literal CRs into LF.
func TestEscapingRoundTrip(t *testing.T) {
	for _, s := range []string{"a<b>&c", "cr\rlf\ncrlf\r\n", "]]>", "tab\t", "😀 ünïcødé", "&#13;", "<![CDATA[x]]>", "\uFFFD"} {
		b := marshalString(t, s)
		if strings.ContainsRune(b, '\r') {
			t.Errorf("literal CR written: %q", b)
		}
		var got string
		if err := Unmarshal([]byte(b), &got); err != nil || got != s {
			t.Errorf("%q -> %s -> %q (%v)", s, b, got, err)
		}
	}
	// Method names and member names are escaped too.
	b, err := MarshalCall("a<b&c", map[string]int{"k<&>": 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := DecodeCall(b)
	if err != nil || c.Method != "a<b&c" {
		t.Fatalf("%s: %v", b, err)
	}
	ps, _ := c.Params()
	if !reflect.DeepEqual(ps, []any{map[string]any{"k<&>": 1}}) {
		t.Errorf("params = %#v", ps)
	}
}

func TestMarshalStructsAndMaps(t *testing.T) {
	type Base struct {
		Zone     string `xmlrpc:"zone"`
		Shadowed int
	}
	type rec struct {
		*Base
		Shadowed string
		Name     string            `xmlrpc:"name"`
		Note     string            `xmlrpc:"note,omitempty"`
		Tags     []string          `xmlrpc:"tags,omitempty"`
		When     time.Time         `xmlrpc:"when,omitempty"`
		Secret   string            `xmlrpc:"-"`
		Attrs    map[string]string `xmlrpc:"attrs"`
		hidden   int
	}
	got := marshalString(t, rec{Base: &Base{Zone: "eu", Shadowed: 1}, Shadowed: "outer", Name: "n", Secret: "s", Attrs: map[string]string{"b": "2", "a": "1"}, hidden: 1})
	want := "<value><struct>" +
		"<member><name>zone</name><value><string>eu</string></value></member>" +
		"<member><name>Shadowed</name><value><string>outer</string></value></member>" +
		"<member><name>name</name><value><string>n</string></value></member>" +
		"<member><name>attrs</name><value><struct>" +
		"<member><name>a</name><value><string>1</string></value></member>" +
		"<member><name>b</name><value><string>2</string></value></member>" +
		"</struct></value></member></struct></value>"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A nil embedded pointer contributes nothing.
	got = marshalString(t, rec{Name: "n"})
	if strings.Contains(got, "zone") {
		t.Errorf("nil embedded pointer encoded: %s", got)
	}
}

func TestDialectAndNil(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(&buf)
	e.SetDialect(DialectApache)
	if err := e.EncodeResponse([]any{int64(1) << 40, nil, 1}); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0"?><methodResponse xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"><params><param><value><array><data>` +
		`<value><ex:i8>1099511627776</ex:i8></value><value><ex:nil/></value><value><int>1</int></value></data></array></value></param></params></methodResponse>`
	if buf.String() != want {
		t.Errorf("got  %s\nwant %s", buf.String(), want)
	}
	var v any
	if err := UnmarshalResponse(buf.Bytes(), &v); err != nil || !reflect.DeepEqual(v, []any{int64(1) << 40, nil, 1}) {
		t.Errorf("apache dialect decodes to %#v, %v", v, err)
	}
	// Refusing nil: a clear error, nothing written.
	buf.Reset()
	e = NewEncoder(&buf)
	e.SetAllowNil(false)
	err := e.EncodeCall("m", map[string]any{"x": (*int)(nil)})
	if !errors.Is(err, ErrNilRefused) || !strings.Contains(err.Error(), "params[0].x") || buf.Len() != 0 {
		t.Errorf("DisallowNil: err = %v, wrote %q", err, buf.String())
	}
	// Nil slices and maps are still fine: they are empty, not nil.
	if err := e.EncodeCall("m", []int(nil), map[string]int(nil)); err != nil {
		t.Errorf("DisallowNil with nil slice: %v", err)
	}
}

// CPython's test_dump_big_int and test_dump_double, restated for harp: 64-bit values become
// i8, and doubles of any integral size encode.
func TestDumpBigIntAndDouble(t *testing.T) {
	for _, n := range []int64{1 << 34, math.MaxInt32 + 1, math.MinInt32 - 1} {
		if got := marshalString(t, n); !strings.HasPrefix(got, "<value><i8>") {
			t.Errorf("%d = %s", n, got)
		}
	}
	for _, f := range []float64{1 << 34, math.MaxInt32, math.MinInt32, math.MaxInt32 + 42, math.MinInt32 - 42} {
		if got := marshalString(t, f); !strings.HasPrefix(got, "<value><double>") {
			t.Errorf("%v = %s", f, got)
		}
	}
}

func TestMessages(t *testing.T) {
	b, err := MarshalCall("add", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`
	if string(b) != want {
		t.Errorf("MarshalCall = %s", b)
	}
	b, _ = MarshalResponse(5)
	if want := `<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`; string(b) != want {
		t.Errorf("MarshalResponse = %s", b)
	}
	var sum int
	if err := NewDecoder(bytes.NewReader(b)).DecodeResponse(&sum); err != nil || sum != 5 {
		t.Errorf("Decoder.DecodeResponse = %d, %v", sum, err)
	}
	var buf bytes.Buffer
	if err := NewEncoder(&buf).EncodeCall("add", 2, 3); err != nil {
		t.Fatal(err)
	}
	c, err := NewDecoder(&buf).DecodeCall()
	if err != nil || c.Method != "add" || c.NumParams() != 2 {
		t.Errorf("Decoder.DecodeCall: %v %v", c, err)
	}
	buf.Reset()
	if err := NewEncoder(&buf).EncodeFault(&Fault{Code: -32601, String: "no such method"}); err != nil {
		t.Fatal(err)
	}
	var f *Fault
	if err := NewDecoder(&buf).DecodeResponse(nil); !errors.As(err, &f) || f.Code != -32601 {
		t.Errorf("fault round trip: %v", err)
	}
	buf.Reset()
	if err := NewEncoder(&buf).Encode([]int{1}); err != nil {
		t.Fatal(err)
	}
	var xs []int
	if err := NewDecoder(&buf).Decode(&xs); err != nil || !reflect.DeepEqual(xs, []int{1}) {
		t.Errorf("Encode/Decode: %v %v", xs, err)
	}
}

func TestTypeName(t *testing.T) {
	tests := []struct {
		t    reflect.Type
		want string
	}{
		{reflect.TypeFor[int32](), "int"},
		{reflect.TypeFor[int](), "int"},
		{reflect.TypeFor[I8](), "i8"},
		{reflect.TypeFor[uint32](), "i8"},
		{reflect.TypeFor[int64](), "i8"},
		{reflect.TypeFor[bool](), "boolean"},
		{reflect.TypeFor[float64](), "double"},
		{reflect.TypeFor[*string](), "string"},
		{reflect.TypeFor[[]byte](), "base64"},
		{reflect.TypeFor[time.Time](), "dateTime.iso8601"},
		{reflect.TypeFor[[]int](), "array"},
		{reflect.TypeFor[map[string]int](), "struct"},
		{reflect.TypeFor[Fault](), "struct"},
		{reflect.TypeFor[any](), "undef"},
		{reflect.TypeFor[celsius](), "undef"},
		{nil, "nil"},
	}
	for _, tt := range tests {
		if got := TypeName(tt.t); got != tt.want {
			t.Errorf("TypeName(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	type row struct {
		A int
		B []string
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 200 && err == nil; i++ {
				var b []byte
				if b, err = MarshalResponse([]row{{A: i, B: []string{"x"}}}); err != nil {
					break
				}
				var got []row
				if err = UnmarshalResponse(b, &got); err == nil && got[0].A != i {
					err = errors.New("wrong value")
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
