package server_test

import (
	"net/http"
	"testing"

	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// TestXMLContentType checks the Content-Type of every kind of XML-RPC answer over real HTTP: small
// answers leave it to net/http's sniffing, larger and compressed ones set it; all must read exactly
// "text/xml; charset=utf-8", in both dialects.
func TestXMLContentType(t *testing.T) {
	const want = "text/xml; charset=utf-8"
	for _, d := range []xmlrpc.Dialect{xmlrpc.DialectStandard, xmlrpc.DialectApache} {
		cfg := server.DefaultConfig()
		cfg.Dialect = d
		_, url := newServer(t, testRegistry(t, nil), cfg)
		for _, tt := range []struct {
			name, body string
			hdr        []string
		}{
			{"small result", string(mustMarshalCall(t, "add", 2, 3)), nil},
			{"nil result", string(mustMarshalCall(t, "echo", nil)), nil},
			{"fault", string(mustMarshalCall(t, "fault", 4, "four")), nil},
			{"parse error", "<methodCall><oops", nil},
			{"over the automatic Content-Length", string(mustMarshalCall(t, "big", 1000)), nil},
			{"over it, uncompressed", string(mustMarshalCall(t, "big", 3000)), nil},
			{"gzip", string(mustMarshalCall(t, "big", 3000)), []string{"Accept-Encoding", "gzip"}},
		} {
			status, h, body := post(t, url+"/RPC2", tt.body, tt.hdr...)
			if got := h.Get("Content-Type"); status != http.StatusOK || got != want || len(h["Content-Type"]) != 1 {
				t.Errorf("dialect %d, %s: %d, Content-Type %q, want 200 and %q", d, tt.name, status, h["Content-Type"], want)
			}
			if len(body) == 0 {
				t.Errorf("dialect %d, %s: empty body", d, tt.name)
			}
		}
	}
}

// TestSniffedXMLType pins the net/http behaviour the small answers rely on: what
// http.DetectContentType names an XML-RPC document.
func TestSniffedXMLType(t *testing.T) {
	for _, o := range []xmlrpc.EncodeOptions{{}, {Dialect: xmlrpc.DialectApache}} {
		resp, err := o.AppendResponse(nil, 5)
		if err != nil {
			t.Fatal(err)
		}
		fault, err := o.AppendFault(nil, &xmlrpc.Fault{Code: 1, String: "x"})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{resp, fault} {
			if got := http.DetectContentType(b); got != "text/xml; charset=utf-8" {
				t.Errorf("DetectContentType(%.40q) = %q", b, got)
			}
		}
	}
}
