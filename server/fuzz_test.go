package server_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// FuzzServeHTTP feeds arbitrary bodies to the handler: it must never panic, and must answer either
// a well-formed response or fault with 200, or a 4xx refusal.
func FuzzServeHTTP(f *testing.F) {
	s := fuzzServer(f,
		`<methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`,
		`<methodCall><methodName>system.multicall</methodName><params><param><value><array><data><value><struct><member><name>methodName</name><value>echo</value></member><member><name>params</name><value><array><data><value><i8>1</i8></value></data></array></value></member></struct></value></data></array></value></param></params></methodCall>`,
		`<methodCall><methodName>record</methodName><params><param><value><struct><member><name>when</name><value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value></member></struct></value></param></params></methodCall>`,
		`<!DOCTYPE x><methodCall/>`,
		"",
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := record(s, "text/xml", body)
		switch {
		case rec.Code == http.StatusOK:
			var v any
			err := xmlrpc.UnmarshalResponse(rec.Body.Bytes(), &v)
			var fault *xmlrpc.Fault
			if err != nil && !errors.As(err, &fault) {
				t.Fatalf("unreadable answer %q: %v", rec.Body.Bytes(), err)
			}
		case rec.Code >= 400 && rec.Code < 500:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}

// fuzzServer adds the seeds to f's corpus and returns a server of the test registry with a 1 MiB
// body limit.
func fuzzServer(f *testing.F, seeds ...string) *server.Server {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	cfg := server.DefaultConfig()
	cfg.MaxBodySize = 1 << 20
	cfg.Logger = discardLogger()
	s, err := server.New(testRegistry(f, nil), cfg)
	if err != nil {
		f.Fatal(err)
	}
	return s
}

// record serves a POST of body with Content-Type ct to /RPC2 and returns the recorded answer.
func record(h http.Handler, ct string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/RPC2", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
