package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
)

// harp call prints the result as JSON; arguments are JSON literals or typed values.
func ExampleMain() {
	srv, _ := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	Main(context.Background(), []string{"call", ts.URL, "add", "2", "3"}, os.Stdout, os.Stderr)
	Main(context.Background(), []string{"call", ts.URL, "validator1.simpleStructReturnTest", "i/7"}, os.Stdout, os.Stderr)
	// Output:
	// 5
	// {
	//   "times10": 70,
	//   "times100": 700,
	//   "times1000": 7000
	// }
}
