package xmlrpc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tailLog is supervisord's tailProcessStdoutLog answer, [string, int, bool], as a struct.
type tailLog struct {
	_        struct{} `xmlrpc:",array"`
	Bytes    string
	Offset   int64
	Overflow bool
}

const tailAnswer = `<?xml version='1.0'?>
<methodResponse><params><param><value><array><data>
<value><string>line 1
</string></value>
<value><int>1234</int></value>
<value><boolean>1</boolean></value>
</data></array></value></param></params></methodResponse>`

func TestPositionalStructDecode(t *testing.T) {
	var got tailLog
	if err := UnmarshalResponse([]byte(tailAnswer), &got); err != nil {
		t.Fatal(err)
	}
	if got.Bytes != "line 1\n" || got.Offset != 1234 || !got.Overflow {
		t.Fatalf("got %+v", got)
	}
	// The same answer into a pointer and inside a slice.
	var p *tailLog
	if err := UnmarshalResponse([]byte(tailAnswer), &p); err != nil || p == nil || p.Offset != 1234 {
		t.Fatalf("pointer: %+v, %v", p, err)
	}
}

func TestPositionalStructRefusesWrongShape(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"short", `<array><data><value>a</value><value><int>1</int></value></data></array>`, "array of 2 elements for a positional struct of 3 members"},
		{"long", `<array><data><value>a</value><value><int>1</int></value><value><boolean>0</boolean></value><value>x</value></data></array>`, "array of 4 elements"},
		{"struct", `<struct><member><name>Bytes</name><value>a</value></member></struct>`, "cannot unmarshal struct"},
		{"member type", `<array><data><value>a</value><value>not a number</value><value><boolean>0</boolean></value></data></array>`, "into Go value of type int64 at [1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got tailLog
			err := Unmarshal([]byte("<value>"+tt.body+"</value>"), &got)
			var te *UnmarshalTypeError
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an *UnmarshalTypeError containing %q", err, tt.want)
			}
		})
	}
}

func TestPositionalStructEncode(t *testing.T) {
	type withOmit struct {
		_    struct{} `xmlrpc:"ignored,array"`
		Name string   `xmlrpc:"name,omitempty"`
		N    int
	}
	tests := []struct {
		in   any
		want string
	}{
		{tailLog{Bytes: "x", Offset: 5, Overflow: true}, "<array><data><value><string>x</string></value><value><int>5</int></value><value><boolean>1</boolean></value></data></array>"},
		{withOmit{}, "<array><data><value><string></string></value><value><int>0</int></value></data></array>"},
	}
	for _, tt := range tests {
		if got := marshalString(t, tt.in); got != "<value>"+tt.want+"</value>" {
			t.Errorf("Marshal(%#v) = %s, want <value>%s</value>", tt.in, got, tt.want)
		}
	}
	var back tailLog
	b, _ := Marshal(tailLog{Bytes: "y", Offset: 1 << 40})
	if err := Unmarshal(b, &back); err != nil || back.Bytes != "y" || back.Offset != 1<<40 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

// A struct whose blank field has another tag, or the option under another key, stays a struct.
func TestNotPositional(t *testing.T) {
	type plain struct {
		_ struct{} `msgpack:",array"`
		A int      `xmlrpc:"a"`
	}
	if got := marshalString(t, plain{A: 1}); !strings.Contains(got, "<struct>") {
		t.Fatalf("Marshal = %s, want a struct", got)
	}
}

// Pointers held by an []any target are filled through, as encoding/json does; before, all three
// were replaced and the variables left zero.
func TestAnySlicePointersFilled(t *testing.T) {
	var (
		s        string
		off      int64
		overflow bool
	)
	target := []any{&s, &off, &overflow}
	if err := UnmarshalResponse([]byte(tailAnswer), &target); err != nil {
		t.Fatal(err)
	}
	if s != "line 1\n" || off != 1234 || !overflow {
		t.Fatalf("got %q %d %v", s, off, overflow)
	}
	if target[0] != &s || len(target) != 3 {
		t.Fatalf("target changed: %#v", target)
	}
	// Same through an array, and through a lone interface holding a pointer.
	var arr [3]any
	arr[1] = &off
	off = 0
	if err := UnmarshalResponse([]byte(tailAnswer), &arr); err != nil || off != 1234 || arr[0] != "line 1\n" {
		t.Fatalf("array: %#v off=%d %v", arr, off, err)
	}
	var n int
	var lone any = &n
	if err := Unmarshal([]byte("<value><int>7</int></value>"), &lone); err != nil || n != 7 || lone != &n {
		t.Fatalf("lone: n=%d %#v %v", n, lone, err)
	}
}

func TestAnySlicePointersRefused(t *testing.T) {
	var (
		s   string
		off int64
		b   bool
	)
	// A type that does not fit the pointer is an error, never a zero.
	wrong := []any{&s, &s, &b}
	err := UnmarshalResponse([]byte(tailAnswer), &wrong)
	var te *UnmarshalTypeError
	if !errors.As(err, &te) {
		t.Fatalf("mismatch: err = %v, want *UnmarshalTypeError", err)
	}
	// Fewer elements than the pointers wait for.
	short := []any{&s, &off, &b, &b}
	err = UnmarshalResponse([]byte(tailAnswer), &short)
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "pointer at index 3") {
		t.Fatalf("short: err = %v", err)
	}
	// Elements that are not pointers are replaced as before, and extra elements appended.
	plain := []any{"x"}
	if err := UnmarshalResponse([]byte(tailAnswer), &plain); err != nil || len(plain) != 3 || plain[1] != 1234 {
		t.Fatalf("plain: %#v %v", plain, err)
	}
}

func TestPositionalTypeName(t *testing.T) {
	if got := TypeName(reflect.TypeFor[tailLog]()); got != "array" {
		t.Errorf("TypeName(tailLog) = %q, want array", got)
	}
	if got := TypeName(reflect.TypeFor[*struct{ A int }]()); got != "struct" {
		t.Errorf("TypeName(plain struct) = %q", got)
	}
}
