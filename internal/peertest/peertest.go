// Package peertest finds the real interoperability peers (CPython, xmlrpc-c, supervisord, Node
// packages) that harp's tests run against, and applies one rule everywhere: a missing peer skips the
// test with a visible reason, unless HARP_PEERS=require, where it fails the test instead. Each
// package using peers runs its tests through Main (from its TestMain), which ends them with a
// one-line Summary of the peers that were missing, so that go test ./... says what it skipped.
package peertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Required reports whether HARP_PEERS=require is set, in which case a missing peer is a failure.
func Required() bool { return os.Getenv("HARP_PEERS") == "require" }

// Missing skips t with reason, or fails it when peers are required. It never returns. The skip
// is counted for Summary, which Main prints when the package's tests end.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("peer required (HARP_PEERS=require) but unavailable: %s", reason)
	}
	recordSkip(reason)
	t.Skipf("peer unavailable (set HARP_PEERS=require to fail instead): %s", reason)
}

// Command returns the absolute path of the named executable, or skips/fails t as Missing does.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" not found in PATH")
	}
	return p
}

// Python returns the path of a python3 interpreter, or skips/fails t as Missing does.
func Python(t testing.TB) string {
	t.Helper()
	return Command(t, "python3")
}

// NodeModule returns the directory of the named npm package, searched in NODE_PATH (where .ci/run
// installs them), or skips/fails t as Missing does.
func NodeModule(t testing.TB, name string) string {
	t.Helper()
	Command(t, "node")
	for _, dir := range filepath.SplitList(os.Getenv("NODE_PATH")) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(filepath.Join(p, "package.json")); err == nil && !st.IsDir() {
			return p
		}
	}
	Missing(t, "npm package "+name+" not found in NODE_PATH")
	return ""
}
