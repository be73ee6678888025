package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/server"
)

// TestXMLDialectOptions: the XML-RPC input dialects are read by default and refused under
// StrictXML; SecondDigits puts a fraction of a second in answers' dateTime values.
func TestXMLDialectOptions(t *testing.T) {
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("not", rpc.Func1(func(_ context.Context, b bool) (bool, error) { return !b, nil }), "")
	reg.MustRegister("when", rpc.Func0(func(context.Context) (time.Time, error) {
		return time.Date(2026, 12, 2, 15, 4, 5, 678_000_000, time.UTC), nil
	}), "")
	call := `<?xml version="1.0"?><methodCall><methodName>not</methodName><params><param><value><boolean>true</boolean></value></param></params></methodCall>`
	when := `<?xml version="1.0"?><methodCall><methodName>when</methodName><params></params></methodCall>`

	_, lenient := newServer(t, reg, nil)
	if _, _, body := post(t, lenient, call); !strings.Contains(string(body), "<boolean>0</boolean>") {
		t.Errorf("default: %s, want not(true) = false", body)
	}
	if _, _, body := post(t, lenient, when); !strings.Contains(string(body), "20261202T15:04:05<") {
		t.Errorf("default: %s, want whole seconds", body)
	}

	cfg := server.DefaultConfig()
	cfg.StrictXML, cfg.SecondDigits = true, 3
	_, strict := newServer(t, reg, cfg)
	if _, _, body := post(t, strict, call); !strings.Contains(string(body), "<fault>") {
		t.Errorf("StrictXML: %s, want a fault for <boolean>true</boolean>", body)
	}
	if _, _, body := post(t, strict, when); !strings.Contains(string(body), "20261202T15:04:05.678<") {
		t.Errorf("SecondDigits 3: %s", body)
	}

	cfg = server.DefaultConfig()
	cfg.SecondDigits = 10
	if _, err := server.New(reg, cfg); err == nil {
		t.Error("SecondDigits 10 accepted")
	}
}
