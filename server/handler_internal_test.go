package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scriptHandler answers as its request body's lines tell it, so that one handler shows every
// way a handler may answer: "status N", "header NAME VALUE" (added), "write N C" (N bytes of
// C), "flush", "error TEXT" (http.Error with 503); unknown lines are ignored. Every answer echoes
// the request's method, path and X-Echo header in its own headers.
var scriptHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	w.Header().Set("Seen", r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Echo"))
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		n := 0
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1])
		}
		switch {
		case f[0] == "status" && len(f) == 2:
			w.WriteHeader(n)
		case f[0] == "header" && len(f) == 3:
			w.Header().Add(f[1], f[2])
		case f[0] == "write" && len(f) == 3 && n >= 0 && n <= 100_000:
			_, _ = w.Write(bytes.Repeat([]byte(f[2][:1]), n))
		case f[0] == "flush":
			_ = http.NewResponseController(w).Flush()
		case f[0] == "error" && len(f) > 1:
			http.Error(w, strings.Join(f[1:], " "), http.StatusServiceUnavailable)
		}
	}
})

// handlerCases are requests to scriptHandler, each to be answered alike with fastConns and
// without; none marks those that get no answer (the handler panics).
var handlerCases = []struct {
	name, raw string
	none      bool
}{
	{"empty", post("/x", "text/plain", ""), false},
	{"small", post("/x", "text/plain", "write 10 a", "X-Echo: hi"), false},
	{"sniffed html", post("/x", "", "write 1 <\nwrite 20 b"), false},
	{"no content", post("/x", "", "status 204\nwrite 3 a"), false},
	{"status and headers", post("/x", "", "header Retry-After 1\nheader Content-Type text/xml\nstatus 503\nwrite 5 z"), false},
	{"declared length", post("/x", "", "header Content-Length 4\nwrite 4 a"), false},
	{"declared too short", post("/x", "", "header Content-Length 2\nwrite 4 a") + post("/x", "", "write 1 a"), false},
	{"declared too long", post("/x", "", "header Content-Length 9\nstatus 200\nwrite 4 a") + post("/x", "", "write 1 a"), false},
	{"handler closes", post("/x", "", "header Connection close\nwrite 3 a") + post("/x", "", "write 1 a"), false},
	{"client closes", post("/x", "", "write 3 a", "Connection: close"), false},
	{"http.Error", post("/x", "", "header Connection close\nerror busy now"), false},
	{"large", post("/x", "", "write 70000 q"), false},
	{"past net/http's buffer", post("/x", "", "write 1000 a\nwrite 1500 b\nwrite 1000 c"), false},
	{"one write past it", post("/x", "", "write 3000 a"), false},
	{"flushed", post("/x", "", "write 5 a\nflush\nwrite 5 b"), false},
	{"flushed then large", post("/x", "", "flush\nwrite 9000 c"), false},
	{"odd status", post("/x", "", "status 299\nwrite 1 a"), false},
	{"informational", post("/x", "", "header Link </a>\nstatus 103\nstatus 200\nwrite 1 a"), false},
	{"switching", post("/x", "", "status 101\nwrite 1 a") + post("/x", "", "write 1 a"), false},
	{"invalid status", post("/x", "", "status 42") + post("/x", "", "write 1 a"), true},
	{"invalid header name", post("/x", "", "header Bad:Name 1\nwrite 1 a"), false},
	{"pipelined", post("/x", "", "write 1 a") + post("/y", "", "status 404") + post("/z", "", "write 2 b"), false},
	{"then a GET", post("/x", "", "write 1 a") + "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", false},
}

// TestNewHandlerAnswersAsNetHTTP sends each case to a NewHandler server with fastConns and one
// without and wants the same answers: a handler other than the RPC core is served by fastConns
// as net/http would serve it.
func TestNewHandlerAnswersAsNetHTTP(t *testing.T) {
	p := newHandlerPair(t, scriptHandler)
	for _, tc := range handlerCases {
		plain, served := p.same(t, tc.name, []byte(tc.raw), 5*time.Second)
		if !tc.none && (len(plain) == 0 || served == 0) {
			t.Errorf("%s: %d answers, %d served by fastConns; want both", tc.name, len(plain), served)
		}
	}
}

// FuzzNewHandler sends the same bytes to a NewHandler server of scriptHandler with fastConns and
// one without and wants the same answers.
func FuzzNewHandler(f *testing.F) {
	for _, tc := range handlerCases {
		f.Add([]byte(tc.raw))
	}
	p := newHandlerPair(f, scriptHandler)
	f.Fuzz(p.fuzz)
}

type connKey struct{}

// TestConnContext wants Config.ConnContext called with the connection the listener returned,
// on fastConns and on net/http alike, and its context given to the handler.
func TestConnContext(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(*net.TCPConn) // as the listener returned it
		if c == nil {
			http.Error(w, "no *net.TCPConn in the context", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "marked "+c.LocalAddr().String())
	})
	p := newPair(t, func(cfg *Config) {
		cfg.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		}
	}, func(cfg *Config) (*Server, error) { return NewHandler(h, cfg) })
	for _, addr := range []string{p.fastAddr, p.plainAddr} {
		got := exchange(t, addr, []byte(post("/x", "", "")+"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"), 5*time.Second)
		if len(got) != 2 {
			t.Fatalf("%s: %d answers, want 2: %q", addr, len(got), got)
		}
		for _, a := range got {
			if !strings.HasPrefix(a, "200") || !strings.Contains(a, "marked "+addr) {
				t.Errorf("%s: answer %q, want 200 naming the connection", addr, a)
			}
		}
	}
}

func TestNewHandlerNil(t *testing.T) {
	if _, err := NewHandler(nil, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("NewHandler(nil) = %v, want ErrInvalidConfig", err)
	}
}
