package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/internal/fastpath"
	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// fastPair is two servers of the same methods and configuration, one serving through fastConns
// and one leaving every connection to net/http.
type fastPair struct {
	fast, plain         *Server
	fastAddr, plainAddr string
}

func newFastPair(t testing.TB, edit func(*Config)) *fastPair {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg.MustRegister("add", rpc.Func2(func(_ context.Context, x, y int) (int, error) { return x + y, nil }), "Adds.")
	reg.MustRegister("echo", func(s string) string { return s }, "Echoes.")
	reg.MustRegister("fail", func() (int, error) { return 0, &xmlrpc.Fault{Code: 7, String: "failed"} }, "Fails.")
	return newPair(t, edit, func(cfg *Config) (*Server, error) { return New(reg, cfg) })
}

// newHandlerPair is newFastPair for two NewHandler servers of h.
func newHandlerPair(t testing.TB, h http.Handler) *fastPair {
	t.Helper()
	return newPair(t, nil, func(cfg *Config) (*Server, error) { return NewHandler(h, cfg) })
}

func newPair(t testing.TB, edit func(*Config), mk func(*Config) (*Server, error)) *fastPair {
	t.Helper()
	if !fastpath.Enabled {
		t.Skip("built with harp_nofastpath: no fastConns to compare")
	}
	p := &fastPair{}
	for i, sp := range []**Server{&p.fast, &p.plain} {
		cfg := DefaultConfig()
		cfg.Logger = slog.New(slog.DiscardHandler)
		if edit != nil {
			edit(cfg)
		}
		s, err := mk(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.fastOff = i == 1
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = s.Serve(ctx, ln) }()
		t.Cleanup(func() { cancel(); <-done })
		*sp = s
		if i == 0 {
			p.fastAddr = ln.Addr().String()
		} else {
			p.plainAddr = ln.Addr().String()
		}
	}
	return p
}

// served returns how many requests fastConns answered.
func (p *fastPair) served() int64 {
	p.fast.mu.Lock()
	defer p.fast.mu.Unlock()
	var n int64
	for _, fc := range p.fast.https {
		n += fc.served.Load()
	}
	return n
}

// exchange sends raw on a new connection to addr, half-closes it, and returns what came back
// until the server closed it (or wait passed), as a list of answers.
func exchange(t testing.TB, addr string, raw []byte, wait time.Duration) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write(raw); err != nil {
		return []string{"write: " + err.Error()}
	}
	_ = c.(*net.TCPConn).CloseWrite()
	got, _ := io.ReadAll(c)
	return describeAnswers(got)
}

// describeAnswers parses the HTTP answers in b into comparable text: status, the headers but
// Date (sorted, values as sent), and the body (de-chunked); what is left unparsed ends the list.
func describeAnswers(b []byte) []string {
	var out []string
	rd := bytes.NewReader(b)
	br := bufio.NewReader(rd)
	for {
		if _, err := br.Peek(1); err != nil {
			return out
		}
		start := len(b) - rd.Len() - br.Buffered()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return append(out, "unparsed: "+unparsed(b[start:]))
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var keys []string
		for k := range resp.Header {
			if k != "Date" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var sb strings.Builder
		fmt.Fprintf(&sb, "%d", resp.StatusCode)
		for _, k := range keys {
			fmt.Fprintf(&sb, "\n%s: %s", k, strings.Join(resp.Header[k], ", "))
		}
		fmt.Fprintf(&sb, "\nlength %d chunked %v\n\n%s", resp.ContentLength, len(resp.TransferEncoding) > 0, body)
		if err != nil {
			fmt.Fprintf(&sb, "\nbody error: %v", err)
		}
		out = append(out, sb.String())
		if resp.Close {
			return out
		}
	}
}

// unparsed describes an answer http.ReadResponse refused (a handler set a header value it cannot
// read back): its head's lines sorted but the status line first, Date left out, then the rest as
// sent. net/http writes headers sorted by name and fastConns in the map's order, which no client
// can tell apart when it parses them.
func unparsed(raw []byte) string {
	head, rest, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	kept := lines[:1]
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "Date: ") {
			kept = append(kept, l)
		}
	}
	sort.Strings(kept[1:])
	return fmt.Sprintf("%q then %q", strings.Join(kept, "\n"), rest)
}

func post(path, ct, body string, extra ...string) string {
	h := "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	if ct != "" {
		h += "Content-Type: " + ct + "\r\n"
	}
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

const (
	xmlAdd  = `<?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`
	jsonAdd = `{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`
)

// fastCases are requests fastConns serves itself (fast) or hands to net/http, for both servers.
var fastCases = []struct {
	name string
	raw  string
	fast bool // fastConns serves it (the first request at least)
}{
	{"xml add", post("/RPC2", "text/xml", xmlAdd), true},
	{"json add", post("/RPC2", "application/json", jsonAdd), true},
	{"json batch", post("/RPC2", "application/json", `[`+jsonAdd+`,{"jsonrpc":"2.0","method":"nope","id":2}]`), true},
	{"json notification", post("/RPC2", "application/json", `{"jsonrpc":"2.0","method":"add","params":[2,3]}`), true},
	{"xml fault", post("/RPC2", "text/xml", `<methodCall><methodName>fail</methodName></methodCall>`), true},
	{"xml malformed", post("/RPC2", "text/xml", `<methodCall><methodName>add</methodName>`), true},
	{"json malformed", post("/RPC2", "application/json", `{"jsonrpc":`), true},
	{"no content type", post("/RPC2", "", xmlAdd), true},
	{"unknown path", post("/nope", "text/xml", xmlAdd), true},
	{"empty body", post("/RPC2", "text/xml", ""), true},
	{"lower-case headers", "POST /RPC2 HTTP/1.1\r\nhost: a\r\ncontent-type: text/xml\r\ncontent-length: " + strconv.Itoa(len(xmlAdd)) + "\r\nx-custom-thing: 1\r\n\r\n" + xmlAdd, true},
	{"connection close", post("/RPC2", "text/xml", xmlAdd, "Connection: close"), true},
	{"pipelined", post("/RPC2", "text/xml", xmlAdd) + post("/RPC2", "application/json", jsonAdd) + post("/RPC2", "text/xml", xmlAdd), true},
	{"then a GET", post("/RPC2", "text/xml", xmlAdd) + "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", true},
	{"get", "GET /RPC2 HTTP/1.1\r\nHost: a\r\n\r\n", false},
	{"http 1.0", "POST /RPC2 HTTP/1.0\r\nContent-Length: " + strconv.Itoa(len(xmlAdd)) + "\r\n\r\n" + xmlAdd, false},
	{"no host", "POST /RPC2 HTTP/1.1\r\nContent-Length: " + strconv.Itoa(len(xmlAdd)) + "\r\n\r\n" + xmlAdd, false},
	{"two lengths", post("/RPC2", "text/xml", xmlAdd, "Content-Length: 3"), false},
	{"chunked", "POST /RPC2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(xmlAdd)), 16) + "\r\n" + xmlAdd + "\r\n0\r\n\r\n", false},
	{"expect", post("/RPC2", "text/xml", xmlAdd, "Expect: 100-continue"), false},
	{"query", post("/RPC2?x=1", "text/xml", xmlAdd), false},
	{"escaped path", post("/RP%43", "text/xml", xmlAdd), false},
	{"folded header", post("/RPC2", "text/xml", xmlAdd, "X-A: 1\r\n  2"), false},
	{"big body", post("/RPC2", "application/json", `{"jsonrpc":"2.0","method":"echo","params":["`+strings.Repeat("y", 6000)+`"],"id":1}`), false},
	{"short body", post("/RPC2", "text/xml", xmlAdd)[:len(post("/RPC2", "text/xml", xmlAdd))-10], false},
	{"bad length", "POST /RPC2 HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", false},
	{"garbage", "\x00\x01 hello\r\n\r\n", false},
}

// TestFastConnsAnswerAsNetHTTP sends each case to a server with fastConns and one without and
// wants the same answers (every header but Date, byte for byte the bodies), and fastConns to have
// served exactly the cases it takes.
func TestFastConnsAnswerAsNetHTTP(t *testing.T) {
	p := newFastPair(t, nil)
	for _, tc := range fastCases {
		plain, served := p.same(t, tc.name, []byte(tc.raw), 5*time.Second)
		if len(plain) == 0 && tc.fast {
			t.Errorf("%s: no answer", tc.name)
		}
		if (served > 0) != tc.fast {
			t.Errorf("%s: fastConns served %d requests, want fast=%v", tc.name, served, tc.fast)
		}
	}
}

// same sends raw to both servers of p and wants the same answers; it returns net/http's and
// how many requests fastConns served.
func (p *fastPair) same(t testing.TB, name string, raw []byte, wait time.Duration) (plain []string, served int64) {
	t.Helper()
	before := p.served()
	fast := exchange(t, p.fastAddr, raw, wait)
	served = p.served() - before
	plain = exchange(t, p.plainAddr, raw, wait)
	if strings.Join(fast, "\n----\n") != strings.Join(plain, "\n----\n") {
		t.Errorf("%s: answers differ for %q\nfastConns:\n%s\nnet/http:\n%s", name, clip(raw), clipAll(fast), clipAll(plain))
	}
	return plain, served
}

// fuzz is the body of a fuzz target over p: at most 16 KiB of raw, answered alike.
func (p *fastPair) fuzz(t *testing.T, raw []byte) {
	if len(raw) <= 16<<10 {
		p.same(t, "fuzz", raw, 3*time.Second)
	}
}

// clip cuts b to its first 300 bytes for a failure's message.
func clip[T string | []byte](b T) string {
	if len(b) > 300 {
		return string(b[:300]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return string(b)
}

func clipAll(answers []string) string {
	out := make([]string, len(answers))
	for i, a := range answers {
		out[i] = clip(a)
	}
	return strings.Join(out, "\n----\n")
}

// FuzzFastConns sends the same bytes to a server with fastConns and one without and wants the
// same answers: what fastConns takes it answers as net/http would, and what it does not take
// it leaves to net/http whole.
func FuzzFastConns(f *testing.F) {
	for _, tc := range fastCases {
		f.Add([]byte(tc.raw))
	}
	p := newFastPair(f, nil)
	f.Fuzz(p.fuzz)
}

// BenchmarkFastConns makes one add(2,3) call after another over one kept-alive loopback
// connection, in each protocol, to a server with fastConns (fast) and one without (nethttp): the
// client is a few lines of raw writes and reads, so the difference is the server's.
//
//	go test -run '^$' -bench FastConns -benchmem ./server
func BenchmarkFastConns(b *testing.B) {
	p := newFastPair(b, nil)
	for _, side := range []struct{ name, addr string }{{"fast", p.fastAddr}, {"nethttp", p.plainAddr}} {
		for _, proto := range []struct{ name, raw, want string }{
			{"xmlrpc", post("/RPC2", "text/xml", xmlAdd), "<int>5</int>"},
			{"jsonrpc", post("/RPC2", "application/json", jsonAdd), `"result":5`},
		} {
			b.Run(side.name+"/"+proto.name, func(b *testing.B) {
				c, err := net.Dial("tcp", side.addr)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				br := bufio.NewReader(c)
				raw := []byte(proto.raw)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.Write(raw); err != nil {
						b.Fatal(err)
					}
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						b.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					if !bytes.Contains(body, []byte(proto.want)) {
						b.Fatalf("answer %s", body)
					}
				}
			})
		}
	}
}

// TestFastConnsSplitRequest sends a request's head and its body apart, as net/http's client
// does for a body that is not in memory: a body 5 ms late is still served by fastConns (in one
// of three tries, for a busy machine's sake), one 300 ms late by net/http, and all are answered.
func TestFastConnsSplitRequest(t *testing.T) {
	p := newFastPair(t, nil)
	raw := post("/RPC2", "text/xml", xmlAdd)
	cut := strings.Index(raw, "\r\n\r\n") + 4
	fastOnce := false
	for _, tc := range []struct {
		delay time.Duration
		fast  bool
	}{{5 * time.Millisecond, true}, {5 * time.Millisecond, true}, {5 * time.Millisecond, true}, {300 * time.Millisecond, false}} {
		c, err := net.Dial("tcp", p.fastAddr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		before := p.served()
		if _, err := io.WriteString(c, raw[:cut]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(tc.delay)
		if _, err := io.WriteString(c, raw[cut:]); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("body %v late: %v", tc.delay, err)
		}
		body, _ := io.ReadAll(resp.Body)
		c.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<int>5</int>")) {
			t.Errorf("body %v late: %d %s", tc.delay, resp.StatusCode, body)
		}
		served := p.served() - before
		if tc.fast {
			fastOnce = fastOnce || served > 0
		} else if served > 0 {
			t.Errorf("body %v late: fastConns served it, not net/http", tc.delay)
		}
	}
	if !fastOnce {
		t.Error("a body 5 ms late was never served by fastConns")
	}
}

// TestFastConnsHeaderLimit: a head over Config.MaxHeaderBytes is left to net/http, which
// refuses it as it would have; one under the limit is served.
func TestFastConnsHeaderLimit(t *testing.T) {
	p := newFastPair(t, func(c *Config) { c.MaxHeaderBytes = 300 })
	for _, tc := range []struct {
		pad  int
		fast bool
	}{{10, true}, {2000, false}} {
		raw := post("/RPC2", "text/xml", xmlAdd, "X-Pad: "+strings.Repeat("p", tc.pad))
		before := p.served()
		fast := exchange(t, p.fastAddr, []byte(raw), 5*time.Second)
		served := p.served() - before
		plain := exchange(t, p.plainAddr, []byte(raw), 5*time.Second)
		if strings.Join(fast, "\n") != strings.Join(plain, "\n") {
			t.Errorf("pad %d: answers differ\nfastConns:\n%s\nnet/http:\n%s", tc.pad, fast, plain)
		}
		if (served > 0) != tc.fast {
			t.Errorf("pad %d: fastConns served %d, want fast=%v", tc.pad, served, tc.fast)
		}
	}
}
