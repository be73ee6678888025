package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/fleet"
	"github.com/harp-rpc/harp/internal/peertest"
)

func TestExampleFileParses(t *testing.T) {
	t.Setenv("SUPERVISOR_PASSWORD", "x")
	fl, err := fleet.Load("fleet.yaml")
	if err != nil || len(fl.Hosts) != 4 || len(fl.Groups["web"]) != 2 {
		t.Fatalf("fleet.yaml: %+v, %v", fl, err)
	}
}

// The example restarts a program on two real supervisords, one batch each.
func TestRunAgainstTwoSupervisords(t *testing.T) {
	var b strings.Builder
	b.WriteString("hosts:\n")
	for i := range 2 {
		sv := peertest.StartSupervisord(t, peertest.SupervisordConfig{Programs: []peertest.SupervisordProgram{peertest.FineProgram("web")}})
		fmt.Fprintf(&b, "  h%d:\n    url: %s\n", i+1, sv.URL)
	}
	file := filepath.Join(t.TempDir(), "fleet.yaml")
	os.WriteFile(file, []byte(b.String()), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fl, err := fleet.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n := 0
		for _, st := range fleet.Status(ctx, fl.Hosts, 0) {
			if st.Err == nil && len(st.Processes) == 1 && st.Processes[0].State.String() == "RUNNING" {
				n++
			}
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("web did not get RUNNING on both hosts")
		}
	}
	var out strings.Builder
	if err := run(ctx, &out, file, "web"); err != nil {
		t.Fatal(err, out.String())
	}
	want := "h1: web RUNNING\nh2: web RUNNING\nh1: done in batch 1: stop STOPPED start RUNNING\nh2: done in batch 2: stop STOPPED start RUNNING\n"
	if out.String() != want {
		t.Errorf("got\n%swant\n%s", out.String(), want)
	}
}
