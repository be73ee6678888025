package peertest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// OsloPython is the interpreter oslo.messaging is installed for (Debian's
// python3-oslo.messaging); a python3 earlier in PATH may not see it.
const OsloPython = "/usr/bin/python3"

var osloCheck struct {
	once sync.Once
	err  error
}

// Oslo returns OsloPython once it imports oslo_messaging, or skips/fails t as Missing does.
func Oslo(t testing.TB) string {
	t.Helper()
	osloCheck.once.Do(func() {
		out, err := exec.Command(OsloPython, "-c", "import oslo_messaging").CombinedOutput()
		if err != nil {
			osloCheck.err = fmt.Errorf("%s cannot import oslo_messaging (apt-get install python3-oslo.messaging): %v: %s",
				OsloPython, err, strings.TrimSpace(string(out)))
		}
	})
	if osloCheck.err != nil {
		Missing(t, osloCheck.err.Error())
	}
	return OsloPython
}

// OsloProcess is a long-running Python oslo.messaging script (an RPC server): it runs until
// its standard input closes, and prints one line per event on its standard output.
type OsloProcess struct {
	p     *proc
	stdin io.WriteCloser
	lines chan string
	mu    sync.Mutex
	err   strings.Builder
}

// StartOslo runs script (a file) with args under OsloPython and waits, within ctx, for it to
// print a line "ready". Its standard error is kept for Stop's error. t's cleanup stops it.
func StartOslo(ctx context.Context, t testing.TB, script string, args ...string) *OsloProcess {
	t.Helper()
	py := Oslo(t)
	cmd := exec.Command(py, append([]string{script}, args...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	o := &OsloProcess{stdin: stdin, lines: make(chan string, 1024)}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.err.Len() < 1<<16 {
			o.err.Write(b)
		}
		return len(b), nil
	})
	if o.p, err = startProc(cmd); err != nil {
		t.Fatalf("peertest: start %s: %v", script, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			o.lines <- sc.Text()
		}
		close(o.lines)
	}()
	t.Cleanup(func() { o.Stop() })
	if _, err := o.Expect(ctx, "ready"); err != nil {
		t.Fatalf("peertest: %s did not start: %v", script, err)
	}
	return o
}

// Expect returns the next output line that starts with prefix (lines before it are dropped),
// or fails when ctx ends or the process exits first.
func (o *OsloProcess) Expect(ctx context.Context, prefix string) (string, error) {
	for {
		select {
		case l, ok := <-o.lines:
			if !ok {
				return "", fmt.Errorf("peertest: process exited; stderr: %s", o.Stderr())
			}
			if strings.HasPrefix(l, prefix) {
				return l, nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("peertest: no line %q: %w; stderr: %s", prefix, ctx.Err(), o.Stderr())
		}
	}
}

// Stderr returns what the process wrote on its standard error (the first 64 KiB).
func (o *OsloProcess) Stderr() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err.String()
}

// Stop closes the process's standard input (a clean stop), and after 10 s ends its process
// group by PID.
func (o *OsloProcess) Stop() {
	o.stdin.Close()
	select {
	case <-o.p.done:
	case <-time.After(10 * time.Second):
		_ = stopGroup(o.p, 5*time.Second)
	}
}

// RunOslo runs script with args under OsloPython, bounded by ctx, and returns its standard
// output; a failure carries its standard error.
func RunOslo(ctx context.Context, t testing.TB, script string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, Oslo(t), append([]string{script}, args...)...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out, fmt.Errorf("peertest: %s: %w: %s", script, err, ee.Stderr)
	}
	return out, err
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
