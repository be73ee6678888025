package xmlrpc

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// rawCalls are calls of every shape: plain, with attributes, comments, entities, prefixes,
// nesting, untyped and empty values, and a document in another encoding.
var rawCalls = []string{
	`<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><i4>3</i4></value></param></params></methodCall>`,
	`<methodCall><methodName>m</methodName><params>
	  <param><value>untyped &amp; text</value></param>
	  <param><value/></param>
	  <param> <value> <!-- c --> <string>a&lt;b &#233;</string> </value> </param>
	  <param><value><struct><member><name>k</name><value><array><data><value><i8>9000000000</i8></value><value><nil/></value></data></array></value></member><member><name>e</name><value><struct/></value></member></struct></value></param>
	  <param><value a="1"><ex:nil/></value></param>
	  <param><p:value><boolean>1</boolean></p:value></param>
	  <param><value><base64>aGVsbG8=</base64></value></param>
	  <param><value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value></param>
	  <param><value><double>1.5</double></value></param>
	  <param><value><![CDATA[<x>]]></value></param>
	</params></methodCall>`,
	"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall><methodName>m</methodName><params><param><value><string>caf\xe9</string></value></param></params></methodCall>",
}

// TestRawValueForwardedCall decodes each call's parameters as RawValues, encodes a call of them,
// and checks that the new call decodes exactly as the original does.
func TestRawValueForwardedCall(t *testing.T) {
	for _, doc := range rawCalls {
		c, err := DecodeCall([]byte(doc))
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		raws := make([]any, c.NumParams())
		for i := range raws {
			r, err := c.RawParam(i)
			if err != nil {
				t.Fatalf("%q: RawParam(%d): %v", doc, i, err)
			}
			if !bytes.HasPrefix(r, []byte("<")) || !bytes.HasSuffix(r, []byte(">")) {
				t.Fatalf("RawParam(%d) = %q, not an element", i, r)
			}
			raws[i] = r
		}
		fwd, err := MarshalCall(c.Method, raws...)
		if err != nil {
			t.Fatalf("%q: MarshalCall: %v", doc, err)
		}
		c2, err := DecodeCall(fwd)
		if err != nil {
			t.Fatalf("forwarded %q: %v", fwd, err)
		}
		want, err := c.Params()
		if err != nil {
			t.Fatal(err)
		}
		got, err := c2.Params()
		if err != nil {
			t.Fatal(err)
		}
		if c2.Method != c.Method || !reflect.DeepEqual(got, want) {
			t.Fatalf("forwarded call %q decodes as %s %#v, the original as %s %#v", fwd, c2.Method, got, c.Method, want)
		}
	}
}

// TestRawValueCopied checks that a RawValue does not alias the document it came from.
func TestRawValueCopied(t *testing.T) {
	doc := []byte(`<methodCall><methodName>m</methodName><params><param><value><string>abc</string></value></param></params></methodCall>`)
	c, err := DecodeCall(doc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.RawParam(0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range doc {
		doc[i] = 'x'
	}
	if string(r) != `<value><string>abc</string></value>` {
		t.Fatalf("RawParam changed with the document: %q", r)
	}
}

type rawHolder struct {
	Name  string              `xmlrpc:"name"`
	Inner RawValue            `xmlrpc:"inner"`
	List  []RawValue          `xmlrpc:"list"`
	Map   map[string]RawValue `xmlrpc:"map"`
	Ptr   *RawValue           `xmlrpc:"ptr"`
	Empty RawValue            `xmlrpc:"empty,omitempty"`
}

// TestRawValueNested decodes RawValues inside structs, slices, maps and pointers, and checks that
// encoding the holder again gives a document that decodes as the original.
func TestRawValueNested(t *testing.T) {
	orig := map[string]any{
		"name":  "n",
		"inner": map[string]any{"a": []any{1, "two", nil}},
		"list":  []any{1, map[string]any{"x": 1.5}, []any{}},
		"map":   map[string]any{"k": "v", "z": false},
		"ptr":   []byte("bytes"),
	}
	doc, err := Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	var h rawHolder
	if err := Unmarshal(doc, &h); err != nil {
		t.Fatal(err)
	}
	if string(h.Map["k"]) != `<value><string>v</string></value>` || h.Ptr == nil || len(h.List) != 3 {
		t.Fatalf("decoded %+v", h)
	}
	var inner any
	if err := Unmarshal(h.Inner, &inner); err != nil {
		t.Fatalf("Unmarshal(%q): %v", h.Inner, err)
	}
	if !reflect.DeepEqual(inner, orig["inner"]) {
		t.Fatalf("inner = %#v, want %#v", inner, orig["inner"])
	}
	again, err := Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := Unmarshal(again, &got); err != nil {
		t.Fatalf("Unmarshal(%q): %v", again, err)
	}
	if err := Unmarshal(doc, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("re-encoded holder decodes as %#v, want %#v", got, want)
	}
}

// TestRawValueResponse decodes a response's result into a RawValue and answers with it.
func TestRawValueResponse(t *testing.T) {
	resp, err := MarshalResponse([]any{1, "a", map[string]any{"b": true}})
	if err != nil {
		t.Fatal(err)
	}
	var r RawValue
	if err := UnmarshalResponse(resp, &r); err != nil {
		t.Fatal(err)
	}
	again, err := MarshalResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, resp) {
		t.Fatalf("re-encoded response\n%s\nwant\n%s", again, resp)
	}
	fault, _ := MarshalFault(&Fault{Code: 4, String: "no"})
	var f *Fault
	if err := UnmarshalResponse(fault, &r); !errors.As(err, &f) || f.Code != 4 {
		t.Fatalf("fault into a RawValue: %v", err)
	}
}

// TestRawValueEmpty checks that a nil RawValue encodes as the empty string.
func TestRawValueEmpty(t *testing.T) {
	for _, r := range []RawValue{nil, {}} {
		b, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var s any
		if err := Unmarshal(b, &s); err != nil || s != "" {
			t.Fatalf("%q decodes as %#v, %v; want the empty string", b, s, err)
		}
	}
}

// TestRawValueEncodeRefuses checks that encoding refuses a RawValue that is not exactly one
// valid <value> element, and writes nothing of it.
func TestRawValueEncodeRefuses(t *testing.T) {
	deep := strings.Repeat("<value><array><data>", DefaultMaxDepth+1) + strings.Repeat("</data></array></value>", DefaultMaxDepth+1)
	for _, bad := range []string{
		`<int>1</int>`,
		`1`,
		` <value>1</value>`,
		`<value>1</value> `,
		`<value>1</value><value>2</value>`,
		`<value><int>x</int></value>`,
		`<value><int>1</int>`,
		`<value><int>1</int></value></params>`,
		`<!-- c --><value>1</value>`,
		`<?pi?><value>1</value>`,
		`<value><!DOCTYPE x></value>`,
		`<value><foo/></value>`,
		"<value>\xff</value>",
		"<value>\uffff</value>",
		`<valuex>1</valuex>`,
		deep,
	} {
		b, err := MarshalCall("m", RawValue(bad))
		var uv *UnsupportedValueError
		if !errors.As(err, &uv) {
			t.Errorf("MarshalCall with RawValue %.60q: %q, %v; want an *UnsupportedValueError", bad, b, err)
		}
	}
}

// TestRawValueDecodeLimits checks that decoding into a RawValue applies every limit.
func TestRawValueDecodeLimits(t *testing.T) {
	nest := func(n int) string {
		return strings.Repeat("<value><array><data>", n) + "<value>x</value>" + strings.Repeat("</data></array></value>", n)
	}
	var r RawValue
	if err := Unmarshal([]byte(nest(DefaultMaxDepth+1)), &r); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("too deep: %v", err)
	}
	if err := Unmarshal([]byte(nest(DefaultMaxDepth)), &r); err != nil {
		t.Fatalf("deepest allowed: %v", err)
	}
	doc := []byte(`<value>` + strings.Repeat("a", 1000) + `</value>`)
	if err := (DecodeOptions{MaxSize: 500}).Unmarshal(doc, &r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	for _, bad := range []string{`<value><int>1x</int></value>`, `<value><struct><member><name>a</name></member></struct></value>`, `<value><base64>!!</base64></value>`} {
		r = RawValue("keep")
		if err := Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%q decodes into a RawValue as %q", bad, r)
		}
	}
}

// FuzzRawValue checks that whatever decodes into a RawValue encodes again, and that the
// re-encoded value decodes as the original does.
func FuzzRawValue(f *testing.F) {
	for _, doc := range rawCalls {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCall(data)
		if err != nil {
			return
		}
		for i := range c.NumParams() {
			var want any
			if err := c.DecodeParam(i, &want); err != nil {
				continue
			}
			r, err := c.RawParam(i)
			if err != nil {
				t.Fatalf("params[%d] decodes but not as a RawValue: %v", i, err)
			}
			b, err := Marshal(r)
			if err != nil {
				t.Fatalf("RawValue %q does not encode: %v", r, err)
			}
			var got any
			if err := Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%q decodes as %#v, %v; want %#v", b, got, err, want)
			}
		}
	})
}
