package supervisord_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/internal/peertest"
	"github.com/harp-rpc/harp/supervisord"
)

// pythonLoop calls getAllProcessInfo N times over the socket with supervisor's own transport
// (what supervisorctl uses) and prints the nanoseconds it took.
const pythonLoop = `
import sys, time, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
sock, n = sys.argv[1], int(sys.argv[2])
proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(None, None, "unix://" + sock))
proxy.supervisor.getAllProcessInfo()
t = time.perf_counter_ns()
for _ in range(n):
    proxy.supervisor.getAllProcessInfo()
print(time.perf_counter_ns() - t)
`

// BenchmarkGetAllProcessInfo compares one getAllProcessInfo over a unix socket, harp's typed
// client against supervisor's Python client, on the same supervisord with four programs.
func BenchmarkGetAllProcessInfo(b *testing.B) {
	progs := []peertest.SupervisordProgram{}
	for _, n := range []string{"a", "b", "c", "d"} {
		progs = append(progs, peertest.SlowProgram(n, 0))
	}
	sv := peertest.StartSupervisord(b, peertest.SupervisordConfig{Programs: progs})
	b.Run("harp", func(b *testing.B) {
		c, err := supervisord.New(sv.URL, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		if _, err := c.GetAllProcessInfo(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if ps, err := c.GetAllProcessInfo(ctx); err != nil || len(ps) != 4 {
				b.Fatal(len(ps), err)
			}
		}
	})
	b.Run("python-supervisor", func(b *testing.B) {
		py := supervisordPython(b)
		socket := strings.TrimPrefix(sv.URL, "unix://")
		out, err := exec.Command(py, "-c", pythonLoop, socket, strconv.Itoa(b.N)).CombinedOutput()
		if err != nil {
			peertest.Missing(b, "python3 with the supervisor module: "+err.Error()+": "+string(out))
		}
		ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("python said %q", out)
		}
		b.ReportMetric(ns/float64(b.N), "ns/op")
	})
}

// supervisordPython returns the interpreter of supervisord's #! line, which has the supervisor
// module (the python3 first in PATH may not).
func supervisordPython(b *testing.B) string {
	f, err := os.Open(peertest.Command(b, "supervisord"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	py, ok := strings.CutPrefix(strings.TrimSpace(line), "#!")
	if !ok {
		peertest.Missing(b, "supervisord is not a Python script")
	}
	return strings.Fields(py)[0]
}
