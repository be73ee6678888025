package client

import (
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

func TestCoarseTimeout(t *testing.T) {
	for _, left := range []time.Duration{1, 9, 255, 256, 2559, 2560, 999_999, time.Millisecond,
		749_999_999, 750 * time.Millisecond, 5 * time.Second, 90 * time.Minute, 1<<63 - 1} {
		q, step := coarseTimeout(left)
		if q > left || left-q > left/timeoutPrecision || q%step != 0 {
			t.Errorf("coarseTimeout(%d) = %d, step %d: more than 1/%d off, or not a multiple", left, q, step, timeoutPrecision)
		}
		for s := step; s > 1; s /= 10 {
			if s%10 != 0 {
				t.Fatalf("coarseTimeout(%d): step %d is not a power of ten", left, step)
			}
		}
		if step*10 <= left/timeoutPrecision {
			t.Errorf("coarseTimeout(%d): step %d, and %d would do", left, step, step*10)
		}
	}
	if q, _ := coarseTimeout(749_999_999); q != 749*time.Millisecond {
		t.Errorf("749.999999 ms coarsened to %v, want 749ms", q)
	}
}

func mapID(h http.Header) uintptr { return reflect.ValueOf(h).Pointer() }

func TestTimedHeaders(t *testing.T) {
	tmpl := http.Header{"User-Agent": {"t"}, "Content-Type": {"text/xml"}}
	var c timedHeaders
	a := c.header(tmpl, 750*time.Millisecond-10*time.Microsecond)
	b := c.header(tmpl, 750*time.Millisecond-900*time.Microsecond)
	if mapID(a) != mapID(b) {
		t.Error("two timeouts within one step got headers of their own")
	}
	if d, err := rpc.ParseTimeout(a.Get(rpc.TimeoutHeader)); err != nil || d != 749*time.Millisecond {
		t.Errorf("%s %q (%v), want 749ms", rpc.TimeoutHeader, a.Get(rpc.TimeoutHeader), err)
	}
	if a.Get("User-Agent") != "t" || a.Get("Content-Type") != "text/xml" {
		t.Errorf("template's headers lost: %v", a)
	}
	o := c.header(tmpl, 740*time.Millisecond)
	if mapID(o) == mapID(a) || o.Get(rpc.TimeoutHeader) == a.Get(rpc.TimeoutHeader) {
		t.Errorf("another timeout shares a header: %q", o.Get(rpc.TimeoutHeader))
	}
	if z := c.header(tmpl, -time.Second); z.Get(rpc.TimeoutHeader) != "0n" {
		t.Errorf("a passed deadline sent as %q", z.Get(rpc.TimeoutHeader))
	}
	if len(tmpl) != 2 || tmpl.Get(rpc.TimeoutHeader) != "" {
		t.Errorf("template changed: %v", tmpl)
	}
}

// TestTimedHeadersConcurrent: calls replacing and sharing cached headers at once (run with
// -race) each get a header whose timeout is their own, coarsened.
func TestTimedHeadersConcurrent(t *testing.T) {
	tmpl := http.Header{"User-Agent": {"t"}}
	var c timedHeaders
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				left := time.Duration(g*7919+i*104729) * time.Microsecond
				h := c.header(tmpl, left)
				want, _ := coarseTimeout(left)
				if d, err := rpc.ParseTimeout(h.Get(rpc.TimeoutHeader)); err != nil || d < want || d > want+time.Microsecond {
					t.Errorf("left %v: header says %q (%v), want %v", left, h.Get(rpc.TimeoutHeader), err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
