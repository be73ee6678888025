package cli

import (
	"errors"
	"testing"

	"github.com/harp-rpc/harp/xmlrpc"
)

// FuzzParseArg checks that harp call's argument parser never panics and never produces a Go
// value of a type the codec cannot encode (only values it refuses, like control characters).
func FuzzParseArg(f *testing.F) {
	for _, s := range []string{"42", "-1.5e3", `"s"`, "[1,[2,{}]]", `{"k":null}`, "i/7", "I/-9", "s/x", "d/1", "b/t", "n/", "t/19980717T14:08:55", "b64/aGk=", "h/00", "1e999", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseArg(s)
		if err != nil {
			return
		}
		if _, err := xmlrpc.MarshalCall("m", v); err != nil {
			var uv *xmlrpc.UnsupportedValueError
			if !errors.As(err, &uv) {
				t.Fatalf("parseArg(%q) = %#v, which does not encode: %v", s, v, err)
			}
		}
	})
}
