package xmlrpc

import (
	"bytes"
	"testing"
	"time"
)

// fuzzSeeds are documents every fuzz target starts from, beside the corpus in testdata/fuzz.
var fuzzSeeds = []string{
	`<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><i4>3</i4></value></param></params></methodCall>`,
	resp(`<struct><member><name>a</name><value><array><data><value><i8>1</i8></value><value><nil/></value><value>x &amp; y</value></data></array></value></member></struct>`),
	resp(`<dateTime.iso8601>1998-07-17T14:08:55.5+02:00</dateTime.iso8601>`),
	resp(`<base64>AGJ5dGUg
c3RyaW5n/w==</base64>`),
	resp(`<biginteger>98765432100123456789</biginteger>`),
	resp(`<bigdecimal>9876543210.0123456789</bigdecimal>`),
	resp(`<string><![CDATA[a]]>&#13;&#x1F600;</string>`),
	`<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><methodResponse><params><param><value>caf` + "\xe9" + `</value></param></params></methodResponse>`,
	`<!DOCTYPE x [<!ENTITY a "b">]><methodResponse/>`,
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
}

// FuzzDecodeCall checks that no input makes DecodeCall panic, and that a call it accepts encodes
// and decodes again to the same bytes (decode → encode → decode is stable).
func FuzzDecodeCall(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCall(data)
		if err != nil {
			return
		}
		params, err := c.Params()
		if err != nil {
			t.Fatalf("DecodeCall accepted a call whose params fail: %v", err)
		}
		b1, err := MarshalCall(c.Method, params...)
		if err != nil {
			t.Fatalf("re-encoding %q: %v", data, err)
		}
		c2, err := DecodeCall(b1)
		if err != nil {
			t.Fatalf("decoding own encoding %q: %v", b1, err)
		}
		params2, err := c2.Params()
		if err != nil {
			t.Fatal(err)
		}
		b2, err := MarshalCall(c2.Method, params2...)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("unstable round trip:\n%s\n%s\n%v", b1, b2, err)
		}
	})
}

// FuzzUnmarshalResponse checks the same for responses decoded into `any`, and that decoding the
// same bytes into a typed target never panics either.
func FuzzUnmarshalResponse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var typed struct {
			A []struct {
				N  int64     `xmlrpc:"n"`
				S  *string   `xmlrpc:"s"`
				T  time.Time `xmlrpc:"t"`
				B  []byte    `xmlrpc:"b"`
				M  map[string]float64
				IF any
			} `xmlrpc:"a"`
		}
		_ = UnmarshalResponse(data, &typed)
		var v any
		if err := UnmarshalResponse(data, &v); err != nil {
			return
		}
		b1, err := MarshalResponse(v)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", v, err)
		}
		var v2 any
		if err := UnmarshalResponse(b1, &v2); err != nil {
			t.Fatalf("decoding own encoding %q: %v", b1, err)
		}
		b2, err := MarshalResponse(v2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("unstable round trip:\n%s\n%s\n%v", b1, b2, err)
		}
	})
}
