package fleet_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Status asks at most parallel hosts at once: six slow hosts (HTTP servers answering the
// multicall of getState and getAllProcessInfo after 100ms, bare as supervisord does) with a
// bound of two are never asked three at a time.
func TestStatusParallelBound(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		b, _ := xmlrpc.MarshalResponse([]any{
			map[string]any{"statecode": 1, "statename": "RUNNING"},
			[]map[string]any{{"name": "web", "group": "web", "state": 20, "statename": "RUNNING"}},
		})
		w.Write(b)
	})
	var b strings.Builder
	b.WriteString("hosts:\n")
	for i := range 6 {
		srv := httptest.NewServer(handler)
		defer srv.Close()
		fmt.Fprintf(&b, "  h%d:\n    url: %s/RPC2\n", i, srv.URL)
	}
	fl, err := fleet.Parse("f.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	sts := fleet.Status(testCtx(t), fl.Hosts, 2)
	for _, st := range sts {
		if st.Err != nil || st.State.Name != "RUNNING" || len(st.Processes) != 1 || st.Processes[0].StateName != "RUNNING" {
			t.Errorf("%s: %+v", st.Host.Name, st)
		}
	}
	if most != 2 {
		t.Errorf("at most %d hosts were asked at once, want 2", most)
	}
}
