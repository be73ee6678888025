package cli

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/harp-rpc/harp/server"
)

// serveLimits are harp serve's flags for the server's memory budget and per-peer fairness
// (server.Config.MemoryBudget, MaxBodies, MaxConns, PeerShare, WriteStallTimeout), and the Go
// runtime's soft memory limit.
type serveLimits struct {
	budget, memLimit sizeFlag
	maxBodies, conns int
	peerShare        float64
	writeStall       time.Duration
}

// memLimitAllowance is what the default -memory-limit allows beyond the budget: the runtime,
// the connections (about 20 KiB each) and the garbage not yet collected.
const memLimitAllowance = 64 << 20

// serveLimitFlags declares the flags on fs, with the server's defaults.
func serveLimitFlags(fs *flag.FlagSet) *serveLimits {
	d := server.DefaultConfig()
	l := &serveLimits{budget: sizeFlag(d.MemoryBudget), memLimit: -1}
	fs.Var(&l.budget, "memory-budget", "bytes held for requests at once (bodies, decoded values, answers); beyond it 503 (suffixes KiB, MiB, GiB)")
	fs.IntVar(&l.maxBodies, "max-bodies", d.MaxBodies, "request bodies being read at once; beyond it 503")
	fs.IntVar(&l.conns, "max-conns", d.MaxConns, "connections open at once (0: no cap); beyond it a connection is closed")
	fs.Float64Var(&l.peerShare, "peer-share", d.PeerShare, "share of -max-conns, -max-bodies and -memory-budget one IP address may hold (0: off, for a trusted gateway in front)")
	fs.DurationVar(&l.writeStall, "write-stall", d.WriteStallTimeout, "close a connection whose answer makes no progress this long (0: none)")
	fs.Var(&l.memLimit, "memory-limit", "the Go runtime's soft memory limit (auto: -memory-budget + 64MiB unless GOMEMLIMIT is set; 0: none)")
	return l
}

// apply sets the limits in cfg; a nil l leaves cfg as it is.
func (l *serveLimits) apply(cfg *server.Config) {
	if l == nil {
		return
	}
	cfg.MemoryBudget = int64(l.budget)
	cfg.MaxBodies = l.maxBodies
	cfg.MaxConns = l.conns
	cfg.PeerShare = l.peerShare
	cfg.WriteStallTimeout = l.writeStall
}

// setMemoryLimit sets the runtime's soft memory limit (debug.SetMemoryLimit): -memory-limit,
// or by default the budget plus memLimitAllowance unless GOMEMLIMIT is set. With the budget
// bounding what requests hold, the limit makes the garbage collector run before the heap
// doubles, so the resident set stays near the budget. It returns the limit set, 0 for none.
func (l *serveLimits) setMemoryLimit() int64 {
	limit := int64(l.memLimit)
	if limit < 0 {
		if os.Getenv("GOMEMLIMIT") != "" {
			return 0
		}
		limit = int64(l.budget) + memLimitAllowance
	}
	if limit == 0 {
		return 0
	}
	debug.SetMemoryLimit(limit)
	return limit
}

// sizeFlag is a byte count given as a number with an optional suffix: KiB, MiB, GiB (or K, M, G,
// the same powers of 1024); "auto" (-1) leaves the choice to the flag's user.
type sizeFlag int64

func (s *sizeFlag) String() string {
	if s == nil {
		return "0"
	}
	n := int64(*s)
	if n < 0 {
		return "auto"
	}
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (s *sizeFlag) Set(v string) error {
	if v == "auto" {
		*s = -1
		return nil
	}
	shift := uint(0)
	num := strings.TrimSpace(v)
	for _, u := range []struct {
		suffixes []string
		shift    uint
	}{{[]string{"GiB", "G"}, 30}, {[]string{"MiB", "M"}, 20}, {[]string{"KiB", "K"}, 10}} {
		for _, suf := range u.suffixes {
			if strings.HasSuffix(num, suf) {
				num, shift = strings.TrimSuffix(num, suf), u.shift
				break
			}
		}
		if shift != 0 {
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return fmt.Errorf("not a size: %q (a number of bytes, with KiB, MiB or GiB)", v)
	}
	*s = sizeFlag(n << shift)
	return nil
}
