package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/natsd"
)

// startTestNATS starts an embedded JetStream node on a free port for one test.
func startTestNATS(t *testing.T) string {
	t.Helper()
	cfg := natsd.DefaultConfig()
	cfg.Port, cfg.StoreDir = 0, t.TempDir()
	s, err := natsd.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s.ClientURL()
}

// runUntil starts harp args in the background and waits until stderr matches re, returning
// the first submatch and a function that stops the command and returns its exit code.
func runUntil(t *testing.T, re *regexp.Regexp, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, args, &syncBuffer{}, &stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			stop := func() int {
				cancel()
				select {
				case code := <-done:
					return code
				case <-time.After(10 * time.Second):
					t.Fatalf("harp %v did not stop", args)
					return -1
				}
			}
			return m[1], stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("harp %v exited %d: %s", args, code, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("harp %v: no %v in %q", args, re, stderr.String())
		}
	}
}

func registryLs(t *testing.T, natsURL, service string) []map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"registry", "ls", "--nats", natsURL, "--service", service, "--output", "json"}, &out, &errb); code != 0 {
		t.Fatalf("registry ls exited %d: %s", code, errb.String())
	}
	var entries []map[string]any
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		t.Fatalf("registry ls output %q: %v", out.String(), err)
	}
	return entries
}

func TestStateServeRegistered(t *testing.T) {
	natsURL := startTestNATS(t)
	url, stop := runUntil(t, regexp.MustCompile(`serving on (http://\S+)`),
		"state", "serve", "--nats", natsURL, "--addr", "127.0.0.1:0", "--id", "s1",
		"--beat", "200ms", "--ttl", "1s", "--register", natsURL)
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var n int64
	deadline := time.Now().Add(5 * time.Second)
	for {
		err = c.Call(ctx, "incr", &n, "hits", 2, map[string]any{"id": "cli-1"})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || n != 2 {
		t.Fatalf("incr through harp state serve: %d %v", n, err)
	}
	var entries []map[string]any
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		entries = registryLs(t, natsURL, "state")
		if len(entries) == 1 && entries[0]["role"] == "master" {
			break
		}
	}
	if len(entries) != 1 || entries[0]["role"] != "master" || entries[0]["id"] != "s1" || entries[0]["url"] != url {
		t.Fatalf("registry ls: %v", entries)
	}
	if code := stop(); code != 0 {
		t.Fatalf("state serve exited %d", code)
	}
	if entries := registryLs(t, natsURL, "state"); len(entries) != 0 {
		t.Fatalf("entry still there after a graceful stop: %v", entries)
	}
}

func TestServeRegister(t *testing.T) {
	natsURL := startTestNATS(t)
	_, stop := runUntil(t, regexp.MustCompile(`announced calc/(\S+)`),
		"serve", "--addr", "127.0.0.1:0", "--register", natsURL, "--register-service", "calc",
		"--register-zone", "z1", "--register-meta", "v=2")
	entries := registryLs(t, natsURL, "calc")
	if len(entries) != 1 || entries[0]["zone"] != "z1" || entries[0]["metadata"].(map[string]any)["v"] != "2" {
		t.Fatalf("registry ls: %v", entries)
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"registry", "ls", "--nats", natsURL}, &out, &errb); code != 0 ||
		!regexp.MustCompile(`(?m)^calc\s+\S+\s+-\s+http://127\.0\.0\.1:\d+/RPC2\s+-\s+1\s+z1`).MatchString(out.String()) {
		t.Fatalf("registry ls text (exit %d): %q %s", code, out.String(), errb.String())
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if entries := registryLs(t, natsURL, "calc"); len(entries) != 0 {
		t.Fatalf("entry still there after a graceful stop: %v", entries)
	}
}

func TestRegistryUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"registry", "rm"}, &out, &errb); code != ExitUsage {
		t.Fatalf("registry rm exited %d", code)
	}
	if code := Main(context.Background(), []string{"registry", "ls", "--nats", "nats://127.0.0.1:1"}, &out, &errb); code != ExitFailure {
		t.Fatalf("registry ls with no server exited %d: %s", code, errb.String())
	}
	if code := Main(context.Background(), []string{"state", "serve", "--ttl", "1ms"}, &out, &errb); code != ExitUsage {
		t.Fatalf("state serve --ttl 1ms exited %d", code)
	}
}

func TestRegistryWatch(t *testing.T) {
	natsURL := startTestNATS(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"registry", "watch", "--nats", natsURL, "--service", "calc", "--output", "json"}, &stdout, &stderr)
	}()
	// harp serve --register joins, then leaves on its graceful stop.
	time.Sleep(200 * time.Millisecond)
	_, stop := runUntil(t, regexp.MustCompile(`announced calc/(\S+)`),
		"serve", "--addr", "127.0.0.1:0", "--register", natsURL, "--register-service", "calc")
	waitOut := func(re *regexp.Regexp) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); !re.MatchString(stdout.String()); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("registry watch printed %q, want %v; stderr %q", stdout.String(), re, stderr.String())
			}
		}
	}
	waitOut(regexp.MustCompile(`"event":"joined","entry":\{"service":"calc"`))
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	waitOut(regexp.MustCompile(`"event":"left"`))
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("registry watch exited %d: %s", code, stderr.String())
	}
}

// harp state proof runs the no-loss proof on harp broker and harp state serve processes.
func TestStateProofBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("the proof takes half a minute; without -short it runs")
	}
	code, stdout, stderr := runBin(t, "state", "proof", "--increments", "1000")
	if code != 0 || !strings.Contains(stdout, "no increment lost, none applied twice: OK") {
		t.Fatalf("harp state proof exited %d:\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("\n%s", stdout)
}
