package attack

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNotLoopback reports an address outside the loopback network: the attacks only run there.
var ErrNotLoopback = errors.New("attack: the target must be a loopback address")

// Counts is what one kind of attacker saw, updated as it runs.
type Counts struct {
	Sent    atomic.Int64 // requests or connections started
	Refused atomic.Int64 // answered 503 or 413, or an XML-RPC fault
	Served  atomic.Int64 // answered 200 without a fault
	Cut     atomic.Int64 // connections the server closed or reset
}

// String summarises the counts.
func (c *Counts) String() string {
	return fmt.Sprintf("sent %d, refused %d, served %d, cut %d", c.Sent.Load(), c.Refused.Load(), c.Served.Load(), c.Cut.Load())
}

// checkLoopback returns ErrNotLoopback unless addr (host:port) is on the loopback network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotLoopback, addr)
}

// ValueBomb returns a gzip-compressed XML-RPC call of echo with one array of n empty values:
// attack 1 of issue 12 with n = 2,097,052 (15 MiB decompressed, 24 KiB sent).
func ValueBomb(n int) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	io.WriteString(zw, "<?xml version=\"1.0\"?><methodCall><methodName>echo</methodName><params><param><value><array><data>")
	item := []byte("<value/>")
	chunk := bytes.Repeat(item, 4096)
	for left := n; left > 0; left -= 4096 {
		zw.Write(chunk[:min(left, 4096)*len(item)])
	}
	io.WriteString(zw, "</data></array></value></param></params></methodCall>")
	zw.Close()
	return b.Bytes()
}

// EchoCall returns a gzip-compressed XML-RPC call of echo with a string of n bytes: the request
// of attack 2 of issue 12 (n = 15 MiB, about 15 KiB sent).
func EchoCall(n int) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	io.WriteString(zw, "<?xml version=\"1.0\"?><methodCall><methodName>echo</methodName><params><param><value><string>")
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for left := n; left > 0; left -= len(chunk) {
		zw.Write(chunk[:min(left, len(chunk))])
	}
	io.WriteString(zw, "</string></value></param></params></methodCall>")
	zw.Close()
	return b.Bytes()
}

// post writes a POST of body to /RPC2 with the given extra header lines on c.
func post(c net.Conn, body []byte, extra ...string) error {
	h := "POST /RPC2 HTTP/1.1\r\nHost: attack\r\nContent-Type: text/xml\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(body))
	for _, e := range extra {
		h += e + "\r\n"
	}
	if _, err := io.WriteString(c, h+"\r\n"); err != nil {
		return err
	}
	_, err := c.Write(body)
	return err
}

// classify counts the answer read from br (or its absence).
func classify(br *bufio.Reader, counts *Counts) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		counts.Cut.Add(1)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && !bytes.Contains(b, []byte("<fault>")) {
		counts.Served.Add(1)
	} else {
		counts.Refused.Add(1)
	}
}

// run starts n attackers each running once in a loop until ctx is done, and returns a function
// that waits for them.
func run(ctx context.Context, n int, once func(ctx context.Context)) (wait func()) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 1_000_000; i++ {
				once(ctx)
			}
		}()
	}
	return wg.Wait
}

// dial connects to addr, closing the connection when ctx is done; rcvbuf, when positive, sets
// the socket's receive buffer before it connects, so that the window offered stays small.
func dial(ctx context.Context, addr string, rcvbuf int) (net.Conn, func(), error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			return errors.Join(err, serr)
		}
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	return c, func() { stop(); c.Close() }, nil
}

// pause waits d or until ctx is done.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// attackers runs n attackers against addr (loopback only) until ctx is done, each in a loop:
// connect with a receive buffer of rcvBuf bytes (0: the system's), count the attempt as sent,
// and run one on the connection, closed after it. A failed connect waits 50 ms before the next.
func attackers(ctx context.Context, addr string, n, rcvBuf int, counts *Counts, one func(context.Context, net.Conn)) (wait func(), err error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	return run(ctx, n, func(ctx context.Context) {
		c, done, err := dial(ctx, addr, rcvBuf)
		if err != nil {
			pause(ctx, 50*time.Millisecond)
			return
		}
		defer done()
		counts.Sent.Add(1)
		one(ctx, c)
	}), nil
}

// ValueBombs runs n attackers of kind 1 against addr until ctx is done: each posts body (see
// ValueBomb), reads the answer and starts again.
func ValueBombs(ctx context.Context, addr string, n int, body []byte, counts *Counts) (wait func(), err error) {
	return attackers(ctx, addr, n, 0, counts, func(ctx context.Context, c net.Conn) {
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		if post(c, body, "Content-Encoding: gzip") != nil {
			counts.Cut.Add(1)
			return
		}
		classify(bufio.NewReader(c), counts)
	})
}

// SlowReaders runs n attackers of kind 2 against addr until ctx is done: each posts body (see
// EchoCall) over a connection with a 4 KiB receive buffer, reads nothing for hold, and starts
// again. A connection the server ends early counts as cut.
func SlowReaders(ctx context.Context, addr string, n int, body []byte, hold time.Duration, counts *Counts) (wait func(), err error) {
	return attackers(ctx, addr, n, 4096, counts, func(ctx context.Context, c net.Conn) {
		if post(c, body, "Content-Encoding: gzip") != nil {
			counts.Cut.Add(1)
			return
		}
		pause(ctx, hold)
		if ctx.Err() != nil {
			return
		}
		// Now read: the server either kept the answer (served, refused) or ended the connection.
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		br := bufio.NewReaderSize(c, 4096)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			counts.Cut.Add(1)
			return
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			counts.Cut.Add(1)
		case resp.StatusCode == http.StatusOK:
			counts.Served.Add(1)
		default:
			counts.Refused.Add(1)
		}
	})
}

// Tricklers runs n attackers of kind 3 against addr until ctx is done: each sends a call's
// headers declaring a body of size bytes, then one byte of it every interval, until the server
// answers or ends the connection, and starts again.
func Tricklers(ctx context.Context, addr string, n, size int, interval time.Duration, counts *Counts) (wait func(), err error) {
	return attackers(ctx, addr, n, 0, counts, func(ctx context.Context, c net.Conn) {
		h := "POST /RPC2 HTTP/1.1\r\nHost: attack\r\nContent-Type: text/xml\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n<", size)
		if _, err := io.WriteString(c, h); err != nil {
			counts.Cut.Add(1)
			return
		}
		answered := make(chan struct{})
		go func() {
			defer close(answered)
			classify(bufio.NewReader(c), counts)
		}()
		for i := 1; i < size; i++ {
			select {
			case <-ctx.Done():
				return
			case <-answered:
				return
			case <-time.After(interval):
			}
			if _, err := c.Write([]byte(" ")); err != nil {
				<-answered
				return
			}
		}
	})
}

// Bystander calls add(2,3) over XML-RPC on addr from the loopback address local (another peer
// than the attackers', e.g. 127.0.0.2) every interval until ctx is done, and returns a function
// that waits for it and reports the calls answered 5 and the failures, with the first failures'
// reasons.
func Bystander(ctx context.Context, addr, local string, interval time.Duration) (wait func() (ok, failed int, reasons []string), err error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	body := "<?xml version=\"1.0\"?><methodCall><methodName>add</methodName><params>" +
		"<param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>"
	var okN, failN int
	var why []string
	fail := func(reason string) {
		failN++
		if len(why) < 10 {
			why = append(why, reason)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil && i < 1_000_000; i++ {
			resp, err := cl.Post("http://"+addr+"/RPC2", "text/xml", strings.NewReader(body))
			if err != nil {
				if ctx.Err() == nil {
					fail(err.Error())
				}
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte("<int>5</int>")) {
				fail(fmt.Sprintf("status %d: %.100s", resp.StatusCode, b))
			} else {
				okN++
			}
			pause(ctx, interval)
		}
	}()
	return func() (int, int, []string) { <-done; return okN, failN, why }, nil
}
