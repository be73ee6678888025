package xmlrpc_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/xmlrpc"
)

// tailLog is supervisord's tailProcessStdoutLog answer, [string, int, bool], as a positional
// struct.
type tailLog struct {
	_        struct{} `xmlrpc:",array"`
	Bytes    string
	Offset   int64
	Overflow bool
}

// A real supervisord's tailProcessStdoutLog answer decodes into a positional struct and into
// []any{&s, &off, &overflow} alike; before, the first failed and the second left all three zero.
func TestSupervisordTailPositional(t *testing.T) {
	sv := peertest.StartSupervisord(t, peertest.SupervisordConfig{
		Programs: []peertest.SupervisordProgram{peertest.FineProgram("ticker")},
		HTTP:     true,
	})
	call, err := xmlrpc.MarshalCall("supervisor.tailProcessStdoutLog", "ticker", 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	var answer []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := hc.Post(sv.URL, "text/xml", bytes.NewReader(call))
		if err != nil {
			t.Fatal(err)
		}
		answer, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(answer, []byte("ticker line")) || time.Now().After(deadline) {
			break
		}
	}
	var st tailLog
	if err := xmlrpc.UnmarshalResponse(answer, &st); err != nil {
		t.Fatalf("into a positional struct: %v\n%s", err, answer)
	}
	if !strings.Contains(st.Bytes, "ticker line") || st.Offset <= 0 {
		t.Fatalf("positional struct: %+v\n%s", st, answer)
	}
	var (
		s        string
		off      int64
		overflow bool
	)
	target := []any{&s, &off, &overflow}
	if err := xmlrpc.UnmarshalResponse(answer, &target); err != nil {
		t.Fatal(err)
	}
	if s != st.Bytes || off != st.Offset || overflow != st.Overflow {
		t.Fatalf("[]any of pointers: %q %d %v, want %+v", s, off, overflow, st)
	}
}
