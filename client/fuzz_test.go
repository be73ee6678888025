package client

import (
	"errors"
	"testing"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// FuzzDecodeResponse feeds arbitrary answers to the client's response handling: every outcome is
// a result, a *xmlrpc.Fault or a *ResponseError quoting a bounded snippet, and never a panic.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0"?><methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>`,
		`<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>`,
		`<methodResponse><params><param><value><array><data><value><array><data><value>1</value></data></array></value></data></array></value></param></params></methodResponse>`,
		`<html><body>502 Bad Gateway</body></html>`,
		"\xff\xfe<\x00m\x00",
		``,
	} {
		f.Add([]byte(s))
	}
	c, err := New("http://127.0.0.1:1/RPC2")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v any
		err := c.codec.DecodeAnswer("m", body, 0, &v)
		if err == nil {
			return
		}
		var fault *xmlrpc.Fault
		var re *ResponseError
		switch {
		case errors.As(err, &fault):
		case errors.As(err, &re):
			if len(re.Body) > rpc.QuoteBefore+rpc.QuoteAfter || len(re.Error()) > 2000 {
				t.Fatalf("error not cut short: %d bytes quoted, %d in message", len(re.Body), len(re.Error()))
			}
		default:
			t.Fatalf("answer %q gave %T %v", body, err, err)
		}
		// A batch answer is read without panicking too.
		var results []any
		if (xmlrpc.DecodeOptions{}).UnmarshalResponse(body, &results) == nil {
			for _, r := range results {
				rpc.MulticallResult(c.codec, &Call{Method: "m", Reply: &v}, r)
			}
		}
	})
}
