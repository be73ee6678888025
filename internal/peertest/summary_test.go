package peertest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// withSkips runs fn with the skip counts set to m, restoring them afterwards.
func withSkips(m map[string]int, fn func()) {
	skips.Lock()
	saved := skips.byReason
	skips.byReason = m
	skips.Unlock()
	defer func() {
		skips.Lock()
		skips.byReason = saved
		skips.Unlock()
	}()
	fn()
}

func TestSummary(t *testing.T) {
	withSkips(nil, func() {
		if got := Summary(); got != "" {
			t.Errorf("no skips: %q", got)
		}
		recordSkip("node not found in PATH")
		recordSkip("npm package xmlrpc not found in NODE_PATH")
		recordSkip("node not found in PATH")
		want := "peertest: github.com/harp-rpc/harp/internal/peertest: 3 tests skipped, peers unavailable: node not found in PATH (2 tests); npm package xmlrpc not found in NODE_PATH (1 test); set HARP_PEERS=require to fail instead"
		if got := Summary(); got != want {
			t.Errorf("Summary() =\n%s\nwant\n%s", got, want)
		}
	})
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func TestReportRouting(t *testing.T) {
	tests := []struct {
		name                   string
		verbose, outIsTerminal bool
		ttyErr                 error
		wantTTY                bool
	}{
		{"captured", false, false, nil, true},
		{"verbose", true, false, nil, false},
		{"streamed to a terminal", false, true, nil, false},
		{"no terminal", false, false, errors.New("no tty"), false},
	}
	for _, tt := range tests {
		var out, tty bytes.Buffer
		report("LINE", &out, tt.verbose, tt.outIsTerminal, func() (io.WriteCloser, error) {
			return nopCloser{&tty}, tt.ttyErr
		})
		if out.String() != "LINE\n" {
			t.Errorf("%s: out = %q", tt.name, out.String())
		}
		if got := tty.String() == "LINE\n"; got != tt.wantTTY {
			t.Errorf("%s: tty = %q, want written %v", tt.name, tty.String(), tt.wantTTY)
		}
	}
}

// TestMainSummary runs go test on a package whose tests skip for a missing peer, in package
// list mode and with a pseudo-terminal (script(1)), as a developer runs go test ./..., and checks
// that the summary line is in what the terminal shows; with HARP_PEERS=require the package fails.
// The inner runs set HARP_PEERS themselves, so this runs under .ci/run's HARP_PEERS=require too.
func TestMainSummary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test binary")
	}
	script := Command(t, "script")
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH")
	}
	want := "peertest: github.com/harp-rpc/harp/internal/peertest/testdata/skipper: 2 tests skipped, peers unavailable: harp-no-such-peer not found in PATH (2 tests)"
	cmd := exec.Command(script, "-qec", goBin+" test -count=1 ./testdata/skipper", "/dev/null")
	cmd.Env = append(os.Environ(), "HARP_PEERS=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "ok  \t") {
		t.Fatalf("go test under a terminal: %v\n%s", err, out)
	}
	// Without a terminal, the line is in -v output.
	cmd = exec.Command(goBin, "test", "-count=1", "-v", "./testdata/skipper")
	cmd.Env = append(os.Environ(), "HARP_PEERS=")
	if out, err = cmd.CombinedOutput(); err != nil || strings.Count(string(out), want) != 1 {
		t.Fatalf("go test -v: %v\n%s", err, out)
	}
	cmd = exec.Command(goBin, "test", "-count=1", "./testdata/skipper")
	cmd.Env = append(os.Environ(), "HARP_PEERS=require")
	if out, err = cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "peer required") {
		t.Fatalf("HARP_PEERS=require: %v\n%s", err, out)
	}
}
