package attack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Status reads a field of /proc/PID/status (VmRSS, VmHWM, ...) in KiB.
func Status(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("attack: %w", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("attack: no %s in /proc/%d/status", field, pid)
}

// Server is a harp serve or harp gateway process started by Start or StartGateway.
type Server struct {
	Addr string // host:port it serves on
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

var (
	servingLine = regexp.MustCompile(`serving the demo services on https?://([0-9.:\[\]a-z]+)/`)
	gatewayLine = regexp.MustCompile(`harp gateway: serving calls on https?://([0-9.:\[\]a-z]+)`)
)

// Start runs binary (a harp built from cmd/harp) as "harp serve -addr 127.0.0.1:0 args..." and
// waits, at most until ctx is done, for it to say where it serves.
func Start(ctx context.Context, binary string, args ...string) (*Server, error) {
	return start(ctx, servingLine, binary, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...)
}

// StartGateway runs binary as "harp gateway --config config" and waits, at most until ctx is
// done, for it to say where it serves calls (its first listener).
func StartGateway(ctx context.Context, binary, config string) (*Server, error) {
	return start(ctx, gatewayLine, binary, "gateway", "--config", config)
}

func start(ctx context.Context, serving *regexp.Regexp, binary string, args ...string) (*Server, error) {
	cmd := exec.Command(binary, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			if s.log.Len() < 1<<20 {
				s.log.WriteString(sc.Text() + "\n")
			}
			s.mu.Unlock()
			if m := serving.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case s.Addr = <-addr:
		return s, nil
	case <-s.done:
		_ = cmd.Wait()
		return nil, fmt.Errorf("attack: harp %s ended before serving: %s", args[0], s.Log())
	case <-ctx.Done():
		s.Stop()
		return nil, fmt.Errorf("attack: harp %s did not start: %w", args[0], ctx.Err())
	}
}

// PID returns the process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Log returns what the process wrote on stderr so far (its first MiB).
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Stop interrupts the process, kills it if it has not ended after 5 s, and waits for it.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = s.cmd.Wait()
}

// Sampler samples a process's resident set every period, keeping the highest.
type Sampler struct {
	mu   sync.Mutex
	peak int64
	last int64
	err  error
	stop chan struct{}
	done chan struct{}
}

// Sample starts sampling pid's VmRSS every period.
func Sample(pid int, period time.Duration) *Sampler {
	sp := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(sp.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			rss, err := Status(pid, "VmRSS")
			sp.mu.Lock()
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				sp.err = err
			}
			sp.last, sp.peak = rss, max(sp.peak, rss)
			sp.mu.Unlock()
			select {
			case <-sp.stop:
				return
			case <-t.C:
			}
		}
	}()
	return sp
}

// Peak returns the highest VmRSS sampled so far and the last, in KiB.
func (sp *Sampler) Peak() (peak, last int64) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.peak, sp.last
}

// Stop stops sampling and returns the first error sampling met.
func (sp *Sampler) Stop() error {
	close(sp.stop)
	<-sp.done
	return sp.err
}
