package xmlrpc

import (
	"testing"
)

func TestDecodeCallToReuses(t *testing.T) {
	var c Call
	many, _ := MarshalCall("sum", 1, 2, 3, 4, 5, 6)
	if err := (DecodeOptions{}).DecodeCallTo(&c, many); err != nil || c.Method != "sum" || c.NumParams() != 6 {
		t.Fatalf("%v %q %d", err, c.Method, c.NumParams())
	}
	one, _ := MarshalCall("echo", "x")
	if err := (DecodeOptions{}).DecodeCallTo(&c, one); err != nil || c.Method != "echo" || c.NumParams() != 1 {
		t.Fatalf("%v %q %d", err, c.Method, c.NumParams())
	}
	var s string
	if err := c.DecodeParam(0, &s); err != nil || s != "x" {
		t.Fatalf("%q %v", s, err)
	}
	if err := (DecodeOptions{}).DecodeCallTo(&c, []byte("<methodCall><methodName>x</methodName><params>")); err == nil {
		t.Fatal("a truncated call decoded")
	}
	if c.Method != "" || c.NumParams() != 0 {
		t.Fatalf("a failed decode left %q with %d params", c.Method, c.NumParams())
	}
}
