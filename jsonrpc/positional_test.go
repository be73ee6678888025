package jsonrpc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tailLog is supervisord's tailProcessStdoutLog answer, [string, int, bool], as a struct: the
// same type as in package xmlrpc's tests, tagged once for both protocols.
type tailLog struct {
	_        struct{} `xmlrpc:",array"`
	Bytes    string
	Offset   int64
	Overflow bool
}

const tailAnswer = `{"jsonrpc":"2.0","id":1,"result":["line 1\n",1234,true]}`

func TestPositionalStruct(t *testing.T) {
	var got tailLog
	if err := UnmarshalResponse([]byte(tailAnswer), &got); err != nil {
		t.Fatal(err)
	}
	if got.Bytes != "line 1\n" || got.Offset != 1234 || !got.Overflow {
		t.Fatalf("got %+v", got)
	}
	b, err := Marshal(tailLog{Bytes: "x", Offset: 5, Overflow: true})
	if err != nil || string(b) != `["x",5,true]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	for _, in := range []string{`["a",1]`, `["a",1,true,4]`, `{"Bytes":"a"}`, `["a","b",true]`} {
		var v tailLog
		err := Unmarshal([]byte(in), &v)
		var te *UnmarshalTypeError
		if !errors.As(err, &te) {
			t.Errorf("%s: err = %v, want *UnmarshalTypeError", in, err)
		}
	}
}

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
	if s != "line 1\n" || off != 1234 || !overflow || target[0] != &s {
		t.Fatalf("got %q %d %v %#v", s, off, overflow, target)
	}
	short := []any{&s, &off, &overflow, &s}
	err := UnmarshalResponse([]byte(tailAnswer), &short)
	if err == nil || !strings.Contains(err.Error(), "pointer at index 3") {
		t.Fatalf("short: %v", err)
	}
	wrong := []any{&off, &off, &overflow}
	if err := UnmarshalResponse([]byte(tailAnswer), &wrong); err == nil {
		t.Fatal("a string into *int64: no error")
	}
	var arr [3]any
	arr[2] = &overflow
	overflow = false
	if err := UnmarshalResponse([]byte(tailAnswer), &arr); err != nil || !overflow || arr[1] == nil {
		t.Fatalf("array: %#v %v", arr, err)
	}
}

func TestPositionalTypeName(t *testing.T) {
	if got := TypeName(reflect.TypeFor[tailLog]()); got != "array" {
		t.Errorf("TypeName(tailLog) = %q, want array", got)
	}
	if got := TypeName(reflect.TypeFor[struct{ A int }]()); got != "object" {
		t.Errorf("TypeName(plain struct) = %q", got)
	}
}
