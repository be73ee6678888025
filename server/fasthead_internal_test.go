package server

import "testing"

// harpHead is the head harp's client sends for a call under a deadline.
var harpHead = []byte("POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: harp/1\r\nContent-Length: 151\r\n" +
	"Accept-Encoding: gzip\r\nContent-Type: text/xml\r\nHarp-Timeout: 749m\r\n\r\n")

func BenchmarkParseFastHead(b *testing.B) {
	var hs headStrings
	b.ReportAllocs()
	for b.Loop() {
		if _, complete, ok := parseFastHead(harpHead, &hs); !complete || !ok {
			b.Fatal("not taken")
		}
	}
}

func TestHeadEnd(t *testing.T) {
	many := func(n int) string {
		s := "POST / HTTP/1.1\r\n"
		for i := range n {
			s += "X-H" + string(rune('a'+i%26)) + ": v\r\n"
		}
		return s + "\r\n"
	}
	for _, tc := range []struct {
		head         string
		end          int // when complete and ok
		complete, ok bool
	}{
		{"POST / HTTP/1.1\r\nHost: h\r\n\r\n", 26, true, true},
		{"POST / HTTP/1.1\r\nHost: h\r\n\r\nbody", 26, true, true},
		{"POST / HTTP/1.1\r\nHost: h\r\n", 0, false, true},
		{"POST / HTTP/1.1\r\nHost: h\r\n\r", 0, false, true},
		{"POST / HTTP/1.1\r\nHost: h\n\r\n", 0, true, false}, // a bare LF
		{"POST / HTTP/1.1\nHost: h\r\n\r\n", 0, true, false}, // in the request line too
		{"\r\nPOST / HTTP/1.1\r\n\r\n", 0, true, false},      // an empty line first
		{"\n", 0, true, false},
		{many(maxFastHeaders), len(many(maxFastHeaders)) - 2, true, true},
		{many(maxFastHeaders + 1), 0, true, false},
	} {
		end, complete, ok := headEnd([]byte(tc.head))
		if complete != tc.complete || ok != tc.ok || (complete && ok && end != tc.end) {
			t.Errorf("headEnd(%q) = %d, %v, %v; want %d, %v, %v", tc.head, end, complete, ok, tc.end, tc.complete, tc.ok)
		}
	}
}
