package server

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestLateRead checks that a read whose deadline passed before it ran still gets the bytes that
// came in time, that it fails as before when none came, and that the background read's
// one-byte reads keep failing at their deadline.
func TestLateRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := &watchedConn{Conn: nc}
	defer c.Close()
	if _, err := client.Write([]byte("sent in time")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the bytes are in the socket
	_ = c.SetReadDeadline(time.Now().Add(-time.Second))
	buf := make([]byte, 64)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "sent in time" {
		t.Fatalf("a late read: %q, %v", buf[:n], err)
	}
	if _, err := nc.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the deadline was not left past: %v", err)
	}
	if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a late read with nothing sent: %v, want the deadline's error", err)
	}
	client.Write([]byte("x"))
	time.Sleep(50 * time.Millisecond)
	if _, err := c.Read(buf[:1]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a one-byte read past its deadline: %v, want the deadline's error", err)
	}
}
