package faultinject_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/harp-rpc/harp/internal/faultinject"
)

// Example switches a backend to answering 503 and back, counting the handler's executions.
func Example() {
	b, err := faultinject.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	if err != nil {
		panic(err)
	}
	defer b.Close()
	get := func() string {
		resp, err := http.Post(b.URL(), "text/plain", strings.NewReader(""))
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + strings.TrimSpace(string(body))
	}
	fmt.Println(get())
	b.Set(faultinject.Status503)
	fmt.Println(get())
	b.Set(faultinject.None)
	fmt.Println(get())
	fmt.Println("executions:", b.Executions())
	// Output:
	// 200 OK ok
	// 503 Service Unavailable Service Unavailable
	// 200 OK ok
	// executions: 2
}
