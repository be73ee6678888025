package xmlrpc

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The input dialects are read by default and refused with Strict, through every entry point:
// lone values, responses, and calls (whose fast path takes only 32-bit ints and leaves the rest
// to the general parser).
func TestInputDialects(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"<int>5000000000</int>", 5000000000},
		{"<i4>-5000000000</i4>", -5000000000},
		{"<int>9223372036854775807</int>", math.MaxInt64},
		{"<boolean>true</boolean>", true},
		{"<boolean>false</boolean>", false},
		{"<boolean> TRUE </boolean>", true},
		{"<boolean>False</boolean>", false},
	}
	for _, tt := range tests {
		if got := decodeAny(t, resp(tt.in)); got != tt.want {
			t.Errorf("lenient %s = %#v, want %#v", tt.in, got, tt.want)
		}
		var v any
		err := DecodeOptions{Strict: true}.UnmarshalResponse([]byte(resp(tt.in)), &v)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "strict") {
			t.Errorf("strict %s: %#v, %v; want a *SyntaxError saying strict", tt.in, v, err)
		}
		dec := NewDecoder(strings.NewReader(resp(tt.in)))
		dec.SetStrict(true)
		if err := dec.DecodeResponse(&v); err == nil {
			t.Errorf("Decoder.SetStrict %s: no error", tt.in)
		}

		call := "<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param><value>" + tt.in + "</value></param>\n</params>\n</methodCall>\n"
		c, err := DecodeCall([]byte(call))
		if err != nil {
			t.Errorf("lenient call %s: %v", tt.in, err)
			continue
		}
		var p any
		if err := c.DecodeParam(0, &p); err != nil || p != tt.want {
			t.Errorf("lenient call %s = %#v, %v", tt.in, p, err)
		}
		if _, err := (DecodeOptions{Strict: true}).DecodeCall([]byte(call)); err == nil {
			t.Errorf("strict call %s: no error", tt.in)
		}
	}
}

// A lenient 64-bit int still has to fit the Go target.
func TestLenientIntRange(t *testing.T) {
	var n32 int32
	err := Unmarshal([]byte("<value><int>5000000000</int></value>"), &n32)
	var te *UnmarshalTypeError
	if !errors.As(err, &te) || te.Msg != "out of range" {
		t.Fatalf("int32 target: err = %v, want out of range", err)
	}
	var n64 int64
	if err := Unmarshal([]byte("<value><int>5000000000</int></value>"), &n64); err != nil || n64 != 5000000000 {
		t.Fatalf("int64 target: %d, %v", n64, err)
	}
	// The fast call path and the general one agree on the parameter.
	c, err := DecodeCall([]byte("<methodCall><methodName>m</methodName><params><param><value><int>5000000000</int></value></param></params></methodCall>"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.IntParam(0); ok {
		t.Error("IntParam kept a value beyond 32 bits")
	}
	var n int64
	if err := c.DecodeParam(0, &n); err != nil || n != 5000000000 {
		t.Fatalf("DecodeParam = %d, %v", n, err)
	}
}

// Doubles are written in decimal notation only, with the shortest digits that read back exactly,
// by the general encoder and the scalar answer's fast path alike.
func TestDoublesDecimalOnly(t *testing.T) {
	values := []float64{1e-300, 1.5e+300, 1e-7, 1e21, 5e-324, -math.SmallestNonzeroFloat64,
		math.MaxFloat64, -math.MaxFloat64, 123456789.123456789, 0.1, 1, 0, math.Copysign(0, -1), 2.5e-10}
	for _, f := range values {
		general, err := Marshal([]float64{f})
		if err != nil {
			t.Fatal(err)
		}
		fast, err := MarshalResponse(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range [][]byte{general, fast} {
			_, rest, _ := bytes.Cut(doc, []byte("<double>"))
			txt, _, _ := bytes.Cut(rest, []byte("</double>"))
			if len(txt) == 0 || strings.Trim(string(txt), "-.0123456789") != "" || len(txt) > 327 {
				t.Errorf("%v written as %q, want decimal notation", f, txt)
			}
		}
		var back []float64
		if err := Unmarshal(general, &back); err != nil || len(back) != 1 || back[0] != f || math.Signbit(back[0]) != math.Signbit(f) {
			t.Errorf("%v -> %s -> %v (%v)", f, general, back, err)
		}
		var got float64
		if err := UnmarshalResponse(fast, &got); err != nil || got != f {
			t.Errorf("%v -> %s -> %v (%v)", f, fast, got, err)
		}
		want := strconv.FormatFloat(f, 'f', -1, 64)
		if !bytes.Contains(fast, []byte("<double>"+want+"</double>")) {
			t.Errorf("%v: answer %s, want <double>%s</double>", f, fast, want)
		}
	}
	if got := marshalString(t, 1e-300); len(got) < 300 || !strings.HasPrefix(got, "<value><double>0.000") {
		t.Errorf("1e-300 = %s", got)
	}
}

func TestSecondDigits(t *testing.T) {
	when := time.Date(1998, 7, 17, 14, 8, 55, 123456789, time.UTC)
	tests := []struct {
		digits int
		want   string
	}{
		{0, "19980717T14:08:55"},
		{-1, "19980717T14:08:55"},
		{1, "19980717T14:08:55.1"},
		{3, "19980717T14:08:55.123"},
		{6, "19980717T14:08:55.123456"},
		{9, "19980717T14:08:55.123456789"},
		{12, "19980717T14:08:55.123456789"},
	}
	for _, tt := range tests {
		b, err := EncodeOptions{SecondDigits: tt.digits}.AppendValue(nil, when)
		if err != nil {
			t.Fatal(err)
		}
		if want := "<value><dateTime.iso8601>" + tt.want + "</dateTime.iso8601></value>"; string(b) != want {
			t.Errorf("SecondDigits %d: %s, want %s", tt.digits, b, want)
		}
		var back time.Time
		if err := Unmarshal(b, &back); err != nil || !back.Equal(when.Truncate(time.Duration(math.Pow10(9-min(max(tt.digits, 0), 9))))) {
			t.Errorf("SecondDigits %d: read back %v, %v", tt.digits, back, err)
		}
	}
	// Leading zeros of the fraction are kept, and the Encoder setter applies the option.
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	enc.SetSecondDigits(3)
	if err := enc.Encode(time.Date(2026, 1, 2, 3, 4, 5, 7_000_000, time.FixedZone("", 3600))); err != nil {
		t.Fatal(err)
	}
	if want := "<value><dateTime.iso8601>20260102T02:04:05.007</dateTime.iso8601></value>"; buf.String() != want {
		t.Errorf("Encoder: %s, want %s", buf.String(), want)
	}
}
