package peertest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/term"
)

// skips counts the tests Missing skipped in this test binary, by reason.
var skips struct {
	sync.Mutex
	byReason map[string]int
}

func recordSkip(reason string) {
	skips.Lock()
	defer skips.Unlock()
	if skips.byReason == nil {
		skips.byReason = make(map[string]int)
	}
	skips.byReason[reason]++
}

// Summary returns one line naming the peers this test binary's tests were skipped for, with how
// many tests each cost, or "" when none was skipped.
func Summary() string {
	skips.Lock()
	defer skips.Unlock()
	if len(skips.byReason) == 0 {
		return ""
	}
	reasons := make([]string, 0, len(skips.byReason))
	total := 0
	for r, n := range skips.byReason {
		reasons = append(reasons, r)
		total += n
	}
	sort.Strings(reasons)
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = r + " (" + plural(skips.byReason[r], "test") + ")"
	}
	return fmt.Sprintf("peertest: %s: %s skipped, peers unavailable: %s; set HARP_PEERS=require to fail instead",
		testedPackage(), plural(total, "test"), strings.Join(parts, "; "))
}

// testedPackage returns the import path of the package under test, as its test binary's build
// information names it ("github.com/harp-rpc/harp/xmlrpc.test"), or the binary's name.
func testedPackage() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
		return strings.TrimSuffix(bi.Path, ".test")
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Main runs a package's tests as a TestMain does and exits with their status, after printing
// Summary when a peer was missing, so that `go test ./...` says which peers it skipped without
// -v. A package whose tests use peers calls it from its TestMain:
//
//	func TestMain(m *testing.M) { peertest.Main(m) }
//
// The line goes to the test's output, which go test shows with -v, for a failing package, in
// -json events and when it runs in a package's directory without arguments. For a passing
// package in package list mode (go test ./...), go test discards that output, so the line also
// goes to the controlling terminal, /dev/tty, when there is one and the output is not already
// a terminal; without a terminal (CI) it is in the -v or -json output only.
func Main(m *testing.M) {
	code := m.Run()
	Report()
	os.Exit(code)
}

// Report prints Summary as Main does, when a peer was missing, for a TestMain that must do more
// than Main (stop a shared broker, say):
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		peertest.StopSharedRabbit()
//		peertest.Report()
//		os.Exit(code)
//	}
func Report() {
	if line := Summary(); line != "" {
		report(line, os.Stdout, testing.Verbose(), term.IsTerminal(int(os.Stdout.Fd())), openTTY)
	}
}

func openTTY() (io.WriteCloser, error) { return os.OpenFile("/dev/tty", os.O_WRONLY, 0) }

// report writes line to out, and to the terminal open gives when go test may hide out: neither
// verbose nor a terminal already. A terminal that cannot be opened is no error: there is none.
func report(line string, out io.Writer, verbose, outIsTerminal bool, open func() (io.WriteCloser, error)) {
	fmt.Fprintln(out, line)
	if verbose || outIsTerminal {
		return
	}
	tty, err := open()
	if err != nil {
		return
	}
	fmt.Fprintln(tty, line)
	tty.Close()
}
