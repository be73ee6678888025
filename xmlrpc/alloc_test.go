package xmlrpc

import (
	"runtime"
	"strings"
	"testing"
)

// TestAllocationBoundedByInput decodes documents shaped to make a decoder allocate much more than
// they weigh (many tiny values, many members, empty containers, entities) and checks that the bytes
// allocated stay within a small constant multiple of the document's size. The worst case is an
// array of 8-byte <value/>s: each needs a 16-byte interface slot, and append's growth makes the
// bytes allocated over the slice's life about five times its final size, about 12x in all.
func TestAllocationBoundedByInput(t *testing.T) {
	const n = 50000
	docs := map[string]string{
		"empty values":     resp("<array><data>" + strings.Repeat("<value/>", n) + "</data></array>"),
		"nils":             resp("<array><data>" + strings.Repeat("<value><nil/></value>", n) + "</data></array>"),
		"empty arrays":     resp("<array><data>" + strings.Repeat("<value><array><data/></array></value>", n) + "</data></array>"),
		"empty structs":    resp("<array><data>" + strings.Repeat("<value><struct/></value>", n) + "</data></array>"),
		"tiny members":     resp("<struct>" + strings.Repeat("<member><name>a</name><value/></member>", n) + "</struct>"),
		"distinct members": resp("<struct>" + distinctMembers(n) + "</struct>"),
		"entities":         resp("<string>" + strings.Repeat("&#x10FFFF;", n) + "</string>"),
		"small ints":       resp("<array><data>" + strings.Repeat("<value><i4>1</i4></value>", n) + "</data></array>"),
		"deep and wide":    resp(strings.Repeat("<array><data><value>", 90) + "<array><data>" + strings.Repeat("<value/>", n) + "</data></array>" + strings.Repeat("</value></data></array>", 90)),
	}
	for name, doc := range docs {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var v any
		if err := UnmarshalResponse([]byte(doc), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		runtime.ReadMemStats(&ms1)
		ratio := float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(len(doc))
		t.Logf("%-16s %8d bytes in, %.1fx allocated", name, len(doc), ratio)
		if ratio > 16 {
			t.Errorf("%s: allocated %.1fx its size", name, ratio)
		}
		runtime.KeepAlive(v)
	}
}

func distinctMembers(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("<member><name>")
		b.WriteString(strings.Repeat("k", 1+i%7))
		b.WriteByte(byte('a' + i%26))
		b.WriteString("</name><value/></member>")
	}
	return b.String()
}
