package faultinject

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newEcho(t *testing.T) *Backend {
	t.Helper()
	b, err := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write(body)
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// post sends body on a fresh connection (no keep-alive reuse between faults).
func post(ctx context.Context, url, body string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestFaults(t *testing.T) {
	b := newEcho(t)
	ctx := t.Context()
	check := func(f Fault, wantCode int, wantBody string, wantErr error) {
		t.Helper()
		if err := b.Set(f); err != nil {
			t.Fatal(err)
		}
		code, body, err := post(ctx, b.URL(), "hello")
		if wantErr != nil {
			if !errors.Is(err, wantErr) {
				t.Fatalf("%v: err %v, want %v", f, err, wantErr)
			}
			return
		}
		if err != nil || code != wantCode || !strings.Contains(body, wantBody) {
			t.Fatalf("%v: %d %q %v, want %d %q", f, code, body, err, wantCode, wantBody)
		}
	}
	check(None, 200, "hello", nil)
	check(Status500, 500, "Internal", nil)
	check(Status503, 503, "Unavailable", nil)
	check(Garbage, 200, "not an answer", nil)
	check(Refuse, 0, "", syscall.ECONNREFUSED)
	check(Reset, 0, "", syscall.ECONNRESET)
	check(None, 200, "hello", nil) // listening again on the same address
	if b.Executions() != 2 {
		t.Fatalf("handler ran %d times, want 2", b.Executions())
	}
	if err := b.Set(ResetAfterRead); err != nil {
		t.Fatal(err)
	}
	if _, _, err := post(ctx, b.URL(), "x"); err == nil {
		t.Fatal("reset after read: no error")
	}
	if b.Executions() != 2 {
		t.Fatal("ResetAfterRead ran the handler")
	}
}

func TestHangUntilSwitched(t *testing.T) {
	b := newEcho(t)
	b.Set(Hang)
	done := make(chan error, 1)
	go func() {
		_, _, err := post(context.Background(), b.URL(), "x")
		done <- err
	}()
	waitRequest(t, b)
	select {
	case err := <-done:
		t.Fatalf("hanging backend answered: %v", err)
	default:
	}
	b.Set(None)
	if err := <-done; err == nil {
		t.Fatal("a released hang must drop the connection, not answer")
	}
	if b.Executions() != 0 {
		t.Fatal("Hang ran the handler")
	}
}

func TestHangHonoursClientDeadline(t *testing.T) {
	b := newEcho(t)
	b.Set(Hang)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := post(ctx, b.URL(), "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
}

func TestSlow(t *testing.T) {
	b := newEcho(t)
	b.SetDelay(30 * time.Millisecond)
	b.Set(Slow)
	start := time.Now()
	code, body, err := post(t.Context(), b.URL(), "slow")
	if err != nil || code != 200 || body != "slow" {
		t.Fatalf("%d %q %v", code, body, err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("answered before the delay")
	}
	if b.Executions() != 1 {
		t.Fatal("slow answer did not run the handler once")
	}
}

func TestCloseReleasesHangs(t *testing.T) {
	b, err := New(http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	b.Set(Hang)
	done := make(chan error, 1)
	go func() {
		_, _, err := post(context.Background(), b.URL(), "x")
		done <- err
	}()
	waitRequest(t, b)
	b.Close()
	if err := <-done; err == nil {
		t.Fatal("closed backend answered")
	}
	if err := b.Set(None); !errors.Is(err, ErrClosed) {
		t.Fatalf("Set after Close: %v", err)
	}
}

// waitRequest waits (at most 5 s) until b has read a request.
func waitRequest(t *testing.T, b *Backend) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); b.Requests() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the backend within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBlackhole(t *testing.T) {
	b := newEcho(t)
	b.Set(Blackhole)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := post(ctx, b.URL(), "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if b.Requests() != 0 {
		t.Fatal("a blackholed connection was read")
	}
	b.Set(None)
	if code, body, err := post(t.Context(), b.URL(), "back"); err != nil || code != 200 || body != "back" {
		t.Fatalf("%d %q %v", code, body, err)
	}
}
