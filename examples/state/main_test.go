package main

import (
	"context"
	"os/exec"
	"testing"

	"github.com/harp-rpc/harp/internal/peertest"
)

// The Go walk-through prints what its comments say.
func Example_main() {
	main()
	// Output:
	// colour: blue
	// hits: 1
	// hits: 1
	// stale cas refused: -32021
	// keys: [config.colour]
}

// The Python example runs against the service with nothing but the standard library.
func TestPythonClient(t *testing.T) {
	py := peertest.Python(t)
	s, err := start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	out, err := exec.Command(py, "shared_dict.py", s.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := `colour: blue
limits: {'max': 10, 'ratio': 0.5, 'tags': ['a', 'b']}
missing with a default: 42
missing: -32020
incr: 1
incr retried with the same id: 1
incr by 5: 6
stale cas refused: -32021
colour now: green
keys: ['config.colour', 'config.limits']
deleted: True False
shared: 100
`
	if got := string(out); got != want {
		t.Fatalf("python3 shared_dict.py printed\n%s\nwant\n%s", got, want)
	}
}
