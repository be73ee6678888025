package fleet

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/harp-rpc/harp/supervisord"
)

// Target names the processes an action applies to on each host, as supervisorctl does:
// "all", "GROUP:*" (every process of a group), "GROUP:NAME", or "NAME" (the process or the
// group of that name).
type Target string

// ErrNoProcess is wrapped by the error for a host where a target matches no process.
var ErrNoProcess = errors.New("fleet: no process matches")

// Match returns the processes of ps the target names, in ps's order.
func (t Target) Match(ps []supervisord.ProcessInfo) []supervisord.ProcessInfo {
	var out []supervisord.ProcessInfo
	group, name, hasColon := strings.Cut(string(t), ":")
	for _, p := range ps {
		var ok bool
		switch {
		case t == "all":
			ok = true
		case hasColon && name == "*":
			ok = p.Group == group
		case hasColon:
			ok = p.Group == group && p.Name == name
		default:
			ok = p.FullName() == string(t) || p.Group == string(t)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// Verify reports a target that cannot name anything.
func (t Target) Verify() error {
	s := string(t)
	g, n, colon := strings.Cut(s, ":")
	if s == "" || strings.ContainsAny(s, " \t\n,") || (colon && (g == "" || n == "")) {
		return fmt.Errorf("fleet: target %q: want PROGRAM, GROUP:*, GROUP:NAME or all", s)
	}
	return nil
}

// BatchSize is how many hosts a rollout changes at once: a count, or a percentage of the hosts.
type BatchSize struct {
	N       int
	Percent bool
}

// ParseBatchSize reads "2" or "25%".
func ParseBatchSize(s string) (BatchSize, error) {
	num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || (pct && n > 100) {
		return BatchSize{}, fmt.Errorf("fleet: batch size %q: want a count of at least 1 or a percentage 1%%..100%%", s)
	}
	return BatchSize{N: n, Percent: pct}, nil
}

// String returns the size as ParseBatchSize reads it.
func (b BatchSize) String() string {
	if b.Percent {
		return strconv.Itoa(b.N) + "%"
	}
	return strconv.Itoa(b.N)
}

// Of returns the batch size for total hosts: at least 1, a percentage rounded up.
func (b BatchSize) Of(total int) int {
	n := b.N
	if b.Percent {
		n = (total*b.N + 99) / 100
	}
	return max(1, min(n, max(total, 1)))
}

// Batches splits hosts into consecutive batches of the size.
func (b BatchSize) Batches(hosts []*Host) [][]*Host {
	size := b.Of(len(hosts))
	var out [][]*Host
	for i := 0; i < len(hosts); i += size {
		out = append(out, hosts[i:min(i+size, len(hosts))])
	}
	return out
}
