package gateway_test

import (
	"bufio"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/peertest"
)

// 10,000 idle kept-alive client connections are held (each after one call), and the memory
// each costs the gateway is reported.
func TestTenThousandIdleConnections(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10,000 connections: run without -short and -race")
	}
	const n = 10000
	b := newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {max_conns: 12000, max_conns_per_peer: 12000}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, b.url), nil)
	inUse := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse + m.StackInuse
	}
	before := inUse()
	host, port, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(gw.url, "http://"), "/RPC2"), ":")
	cmd := exec.Command(peertest.Python(t), "testdata/pyidle.py", host, port, fmt.Sprint(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		if l != fmt.Sprintf("HELD %d", n) {
			t.Fatalf("pyidle: %q %s", l, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("pyidle did not hold its connections: %s", stderr.String())
	}
	after := inUse()
	t.Logf("%d idle connections held: %.1f KiB each (heap and stacks in use, %d -> %d MiB)",
		n, float64(after-before)/n/1024, before>>20, after>>20)
	// Still serving beside them.
	var sum int
	if err := newClient(t, gw.url).Call(t.Context(), "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Errorf("add beside 10,000 idle connections: %d %v", sum, err)
	}
}
