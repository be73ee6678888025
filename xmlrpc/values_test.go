package xmlrpc

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// valuesDoc is a lone <value> holding an array of n items, each item.
func valuesDoc(n int, item string) []byte {
	return []byte("<value><array><data>" + strings.Repeat(item, n) + "</data></array></value>")
}

// callDoc is a methodCall with n parameters, each param.
func callDoc(n int, param string) []byte {
	return []byte("<methodCall><methodName>m</methodName><params>" +
		strings.Repeat("<param>"+param+"</param>", n) + "</params></methodCall>")
}

func wantValuesLimit(t *testing.T, err error, limit int) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || le.What != "values" || le.Limit != int64(limit) {
		t.Fatalf("err = %v, want the values LimitError of %d", err, limit)
	}
}

func TestMaxValues(t *testing.T) {
	const limit = 1000
	o := DecodeOptions{MaxValues: limit}
	var v any
	// The array's own <value> counts: limit-1 items fit, limit do not.
	if err := o.Unmarshal(valuesDoc(limit-1, "<value/>"), &v); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	wantValuesLimit(t, o.Unmarshal(valuesDoc(limit, "<value/>"), &v), limit)
	members := strings.Repeat("<member><name>a</name><value><int>1</int></value></member>", limit)
	wantValuesLimit(t, o.Unmarshal([]byte("<value><struct>"+members+"</struct></value>"), &v), limit)
	// Each plain parameter is one value: through the fast path and through the general one.
	for _, p := range []string{"<value><int>1</int></value>", "<value><boolean>1</boolean></value>"} {
		if _, err := o.DecodeCall(callDoc(limit, p)); err != nil {
			t.Fatalf("%s at the limit: %v", p, err)
		}
		_, err := o.DecodeCall(callDoc(limit+1, p))
		wantValuesLimit(t, err, limit)
	}
	resp := "<methodResponse><params><param>" + string(valuesDoc(limit, "<value/>")) +
		"</param></params></methodResponse>"
	wantValuesLimit(t, o.UnmarshalResponse([]byte(resp), &v), limit)
}

func TestMaxValuesDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 8 MB documents")
	}
	var v any
	if err := Unmarshal(valuesDoc(DefaultMaxValues-1, "<value/>"), &v); err != nil {
		t.Fatalf("at the default limit: %v", err)
	}
	wantValuesLimit(t, Unmarshal(valuesDoc(DefaultMaxValues, "<value/>"), &v), DefaultMaxValues)
	// The document is checked whole before DecodeCall returns, so a call is refused before
	// any parameter is decoded.
	_, err := DecodeCall(callDoc(1, string(valuesDoc(DefaultMaxValues, "<value/>"))))
	wantValuesLimit(t, err, DefaultMaxValues)
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// wideStruct is a lone <value> holding a struct of n members with distinct names.
func wideStruct(n int) []byte {
	var b strings.Builder
	b.WriteString("<value><struct>")
	for i := range n {
		b.WriteString("<member><name>" + strconv.Itoa(i) + "</name><value/></member>")
	}
	b.WriteString("</struct></value>")
	return []byte(b.String())
}

// TestDecodeCostBounded decodes the shapes that cost most per byte into an interface and checks
// that the bytes allocated (an upper bound of the memory decoding holds at once) stay within a
// fixed multiple of the document's size. With the values limit, that bounds a document's cost.
// The worst is an array of <value/>: 8 bytes each, and a 16-byte slot in a slice grown by
// append, about 90 bytes allocated per item in all.
func TestDecodeCostBounded(t *testing.T) {
	const n, maxRatio = 100_000, 12
	doc := wideStruct(n)
	var v any
	got := allocated(func() {
		if err := Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
	})
	ratio := float64(got) / float64(len(doc))
	t.Logf("distinct members: %d bytes of document, %d allocated, %.1fx", len(doc), got, ratio)
	if ratio > maxRatio {
		t.Errorf("distinct members: decoding allocated %.1fx the document, want at most %dx", ratio, maxRatio)
	}
	for _, tc := range []struct{ name, item string }{
		{"empty values", "<value/>"},
		{"empty strings", "<value></value>"},
		{"ints", "<value><i4>1000</i4></value>"},
		{"empty arrays", "<value><array/></value>"},
		{"empty structs", "<value><struct/></value>"},
		{"structs", "<value><struct><member><name>a</name><value/></member></struct></value>"},
	} {
		doc := valuesDoc(n, tc.item)
		var v any
		var err error
		got := allocated(func() { err = Unmarshal(doc, &v) })
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ratio := float64(got) / float64(len(doc))
		t.Logf("%s: %d bytes of document, %d allocated, %.1fx", tc.name, len(doc), got, ratio)
		if ratio > maxRatio {
			t.Errorf("%s: decoding allocated %.1fx the document, want at most %dx", tc.name, ratio, maxRatio)
		}
	}
}
