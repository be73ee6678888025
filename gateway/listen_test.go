package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/client"
)

// writeCert writes a certificate for 127.0.0.1 signed by ca (self-signed when ca is nil) and
// its key as PEM files in dir, returning their paths and the certificate.
func writeCert(t *testing.T, dir, name string, ca *tls.Certificate, isCA bool) (certFile, keyFile string, cert tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	parent, signer := tmpl, any(key)
	if ca != nil {
		parent, signer = ca.Leaf, ca.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cert.Leaf, _ = x509.ParseCertificate(der)
	return certFile, keyFile, cert
}

// A TLS listener that requires client certificates: a client with one signed by the CA is
// served, one without is refused at the handshake.
func TestTLSListenerClientCerts(t *testing.T) {
	dir := t.TempDir()
	caFile, _, ca := writeCert(t, dir, "ca", nil, true)
	certFile, keyFile, _ := writeCert(t, dir, "server", &ca, false)
	_, _, clientCert := writeCert(t, dir, "client", &ca, false)
	b := newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN, tls: {cert: %q, key: %q, client_ca: %q}}]
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, certFile, keyFile, caFile, b.url), nil)
	url := strings.Replace(gw.url, "http://", "https://", 1)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Leaf)
	ok := newClient(t, url, client.WithRootCAs(roots), client.WithClientCertificate(clientCert))
	var sum int
	if err := ok.Call(context.Background(), "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("with a client certificate: %d %v", sum, err)
	}
	bad := newClient(t, url, client.WithRootCAs(roots))
	if err := bad.Call(context.Background(), "add", &sum, 2, 3); err == nil {
		t.Error("served a client without a certificate")
	}
	if _, err := os.Stat(certFile); err != nil {
		t.Fatal(err)
	}
}

// A body that stalls is cut off with 408 after the body timeout, without a backend seeing it.
func TestBodyStall(t *testing.T) {
	b := newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {body_timeout: 300ms}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, b.url), nil)
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(gw.url, "http://"), "/RPC2"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fmt.Fprintf(c, "POST /RPC2 HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<?xml")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, _ := io.ReadAtLeast(c, buf, 12)
	got := buf[:n]
	if el := time.Since(start); !strings.HasPrefix(string(got), "HTTP/1.1 408") || el > 2*time.Second {
		t.Errorf("after %v: %.80q; want 408 within the body timeout", el, got)
	}
	if b.calls.Load() != 0 {
		t.Error("a stalled body reached the backend")
	}
}

// Past max_conns_per_peer a new connection is closed at once; a freed slot serves again.
func TestConnectionLimits(t *testing.T) {
	b := newBackend(t, "b")
	gw := startGateway(t, fmt.Sprintf(`
listeners: [{address: LISTEN}]
limits: {max_conns_per_peer: 3}
pools: {p: {backends: [{url: %q}], health: {method: none}}}
routes: [{pool: p}]
`, b.url), nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(gw.url, "http://"), "/RPC2")
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	closed := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if !closed(extra) {
		t.Error("a fourth connection from one peer was kept")
	}
	held[0].Close()
	waitFor(t, 5*time.Second, func() bool {
		var sum int
		return newClient(t, gw.url).Call(context.Background(), "add", &sum, 1, 2) == nil && sum == 3
	})
	if n := gw.gw.Status().RefusedConns; n < 1 {
		t.Errorf("refused connections %d", n)
	}
}
