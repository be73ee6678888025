package bench

import (
	"encoding/base64"
	"reflect"
	"testing"

	"github.com/harp-rpc/harp/xmlrpc"
	kolo "github.com/kolo/xmlrpc"
)

var payloads = func() map[string][]byte {
	ps, err := Payloads(xmlrpc.Marshal)
	if err != nil {
		panic(err)
	}
	return ps
}()

// TestLibrariesAgree makes sure every benchmark compares equal work: both libraries decode each
// payload to the same values, and each decodes the other's encoding.
func TestLibrariesAgree(t *testing.T) {
	var h, k []Row
	if err := xmlrpc.UnmarshalResponse(payloads["structs"], &h); err != nil {
		t.Fatal(err)
	}
	if err := kolo.Response(payloads["structs"]).Unmarshal(&k); err != nil {
		t.Fatal(err)
	}
	if len(h) != 1000 || !reflect.DeepEqual(h, k) || !reflect.DeepEqual(h, Rows(1000)) {
		t.Fatalf("libraries disagree on the structs payload")
	}
	// kolo does not decode base64: it returns the text, and only into a string.
	var hb []byte
	var kb string
	if err := xmlrpc.UnmarshalResponse(payloads["base64"], &hb); err != nil {
		t.Fatal(err)
	}
	if err := kolo.Response(payloads["base64"]).Unmarshal(&kb); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(hb, Blob()) || kb != base64.StdEncoding.EncodeToString(Blob()) {
		t.Fatal("libraries disagree on the base64 payload")
	}
	var hs, ks int
	if xmlrpc.UnmarshalResponse(payloads["add_response"], &hs) != nil || kolo.Response(payloads["add_response"]).Unmarshal(&ks) != nil || hs != 5 || ks != 5 {
		t.Fatal("libraries disagree on add's response")
	}
	var hn, kn any
	if err := xmlrpc.UnmarshalResponse(payloads["nested"], &hn); err != nil {
		t.Fatal(err)
	}
	if err := kolo.Response(payloads["nested"]).Unmarshal(&kn); err != nil {
		t.Fatal(err)
	}
	depth := func(v any) (n int) {
		for {
			a, ok := v.([]any)
			if !ok {
				return n
			}
			v, n = a[0], n+1
		}
	}
	if depth(hn) != 64 || depth(kn) != 64 {
		t.Fatalf("nested depth harp %d kolo %d", depth(hn), depth(kn))
	}
	// Cross-decoding: kolo reads harp's encoding and harp reads kolo's.
	call, err := kolo.EncodeMethodCall("result", Rows(1000))
	if err != nil {
		t.Fatal(err)
	}
	c, err := xmlrpc.DecodeCall(call)
	if err != nil {
		t.Fatal(err)
	}
	var fromKolo []Row
	if err := c.DecodeParam(0, &fromKolo); err != nil || !reflect.DeepEqual(fromKolo, Rows(1000)) {
		t.Fatalf("harp reading kolo's encoding: %v", err)
	}
	doc, err := xmlrpc.MarshalResponse(Rows(1000))
	if err != nil {
		t.Fatal(err)
	}
	var fromHarp []Row
	if err := kolo.Response(doc).Unmarshal(&fromHarp); err != nil || !reflect.DeepEqual(fromHarp, Rows(1000)) {
		t.Fatalf("kolo reading harp's encoding: %v", err)
	}
}

// (1) add(2,3): encoding the call and decoding the response.

func BenchmarkAddCallEncode(b *testing.B) {
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = (xmlrpc.EncodeOptions{}).AppendCall(buf[:0], "add", 2, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kolo.EncodeMethodCall("add", 2, 3); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAddResponseDecode(b *testing.B) {
	doc := payloads["add_response"]
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var n int
			if err := xmlrpc.UnmarshalResponse(doc, &n); err != nil || n != 5 {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var n int
			if err := kolo.Response(doc).Unmarshal(&n); err != nil || n != 5 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAddCallDecode is the server side of (1); kolo has no call decoder, so it has no peer
// here (CPython's loads is timed on the same bytes by cpython.py).
func BenchmarkAddCallDecode(b *testing.B) {
	doc := payloads["add_call"]
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			c, err := xmlrpc.DecodeCall(doc)
			if err != nil {
				b.Fatal(err)
			}
			var x, y int
			if c.DecodeParam(0, &x) != nil || c.DecodeParam(1, &y) != nil || x+y != 5 {
				b.Fatal("bad params")
			}
		}
	})
}

// (2) 1,000 structs of five members.

func BenchmarkStructsDecode(b *testing.B) {
	doc := payloads["structs"]
	b.Run("lib=harp/into=typed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var rows []Row
			if err := xmlrpc.UnmarshalResponse(doc, &rows); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=harp/into=any", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var v any
			if err := xmlrpc.UnmarshalResponse(doc, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo/into=typed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var rows []Row
			if err := kolo.Response(doc).Unmarshal(&rows); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStructsEncode(b *testing.B) {
	rows := Rows(1000)
	size := int64(len(payloads["structs"]))
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(size)
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = (xmlrpc.EncodeOptions{}).AppendResponse(buf[:0], rows); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(size)
		for b.Loop() {
			if _, err := kolo.EncodeMethodCall("result", rows); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// (3) a 1 MiB base64 value.

func BenchmarkBase64Decode(b *testing.B) {
	doc := payloads["base64"]
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var v []byte
			if err := xmlrpc.UnmarshalResponse(doc, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	// kolo returns the base64 text undecoded (less work than harp does).
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var v string
			if err := kolo.Response(doc).Unmarshal(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBase64Encode(b *testing.B) {
	blob := Blob()
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(blob)))
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = (xmlrpc.EncodeOptions{}).AppendResponse(buf[:0], blob); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			if _, err := kolo.EncodeMethodCall("result", blob); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// (4) a 64-deep nested array.

func BenchmarkNestedDecode(b *testing.B) {
	doc := payloads["nested"]
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var v any
			if err := xmlrpc.UnmarshalResponse(doc, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			var v any
			if err := kolo.Response(doc).Unmarshal(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkNestedEncode(b *testing.B) {
	v := Nested(64)
	b.Run("lib=harp", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = (xmlrpc.EncodeOptions{}).AppendResponse(buf[:0], v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=kolo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kolo.EncodeMethodCall("result", v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
