package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/harp-rpc/harp/server"
)

func TestSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "4096": 4096, "64KiB": 64 << 10, "256MiB": 256 << 20,
		"2GiB": 2 << 30, "3M": 3 << 20, "auto": -1} {
		var s sizeFlag
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, int64(s), err, want)
		}
	}
	for _, in := range []string{"", "x", "-5", "1.5MiB", "12TiB"} {
		var s sizeFlag
		if err := s.Set(in); err == nil {
			t.Errorf("Set(%q) accepted", in)
		}
	}
	for n, want := range map[sizeFlag]string{256 << 20: "256MiB", 1000: "1000", 3 << 30: "3GiB", -1: "auto"} {
		if got := n.String(); got != want {
			t.Errorf("String(%d) = %q, want %q", int64(n), got, want)
		}
	}
}

// TestServeLimitFlags checks that harp serve's limit flags reach the server's Config.
func TestServeLimitFlags(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l := serveLimitFlags(fs)
	if err := fs.Parse([]string{"-memory-budget", "64MiB", "-max-bodies", "9", "-max-conns", "99",
		"-peer-share", "0", "-write-stall", "2s"}); err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	l.apply(cfg)
	if cfg.MemoryBudget != 64<<20 || cfg.MaxBodies != 9 || cfg.MaxConns != 99 || cfg.PeerShare != 0 ||
		cfg.WriteStallTimeout.Seconds() != 2 {
		t.Fatalf("config %+v", cfg)
	}
	if err := server.VerifyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := l.setMemoryLimit(); got != 0 {
		t.Fatalf("with GOMEMLIMIT set, -memory-limit auto set %d", got)
	}
}
