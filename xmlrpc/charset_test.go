package xmlrpc

import (
	"bytes"
	"testing"
)

// TestASCIIShortcut checks the test behind toUTF8's shortcut for ASCII documents (skipping the
// UTF-8 and non-character scans) against a byte-by-byte reading, at every length around the
// 8-byte words it reads and with a non-ASCII byte at every position; and that a document the
// shortcut takes is returned as the full check returns it.
func TestASCIIShortcut(t *testing.T) {
	for n := range 40 {
		doc := bytes.Repeat([]byte("<a>"), n)[:n]
		if !isASCII(doc) {
			t.Fatalf("isASCII(%q) = false", doc)
		}
		got, err := toUTF8(doc, -1)
		if err != nil || !bytes.Equal(got, doc) {
			t.Fatalf("toUTF8(%q) = %q, %v", doc, got, err)
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xc3, 0xff} {
				bad := bytes.Clone(doc)
				bad[i] = c
				if isASCII(bad) {
					t.Fatalf("isASCII(%q) = true", bad)
				}
			}
		}
	}
}
