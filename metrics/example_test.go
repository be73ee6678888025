package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/harp-rpc/harp/gateway"
	"github.com/harp-rpc/harp/metrics"
)

// The metrics of a gateway: an Observer of its calls, and a handler for its admin listener.
func ExampleNewGateway() {
	m := metrics.NewGateway(0)
	m.ObserveCall(&gateway.CallInfo{Route: "users", Pool: "users", Method: "user.get", Protocol: "xmlrpc", Outcome: gateway.OutcomeOK})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "harp_gateway_requests_total{") {
			fmt.Println(line)
		}
	}
	// Output:
	// harp_gateway_requests_total{method="user.get",outcome="ok",pool="users",route="users"} 1
}
