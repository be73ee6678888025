package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harp-rpc/harp/server"
	"github.com/harp-rpc/harp/xmlrpc"
)

// testCA issues certificates for the TLS tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "harp test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) issue(t *testing.T, cn string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLSWithClientCertificates(t *testing.T) {
	ca := newCA(t)
	reg := testRegistry(t, nil)
	// A handler sees the verified client identity through its context's request, via middleware.
	reg.MustRegister("peer", func(ctx context.Context) string { s, _ := ctx.Value(userKey{}).(string); return s }, "")
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	cfg.TLSConfig = &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "server", x509.ExtKeyUsageServerAuth)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.pool,
	}
	cfg.Middleware = []server.Middleware{func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cn := r.TLS.PeerCertificates[0].Subject.CommonName
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, cn)))
		})
	}}
	s, err := server.New(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	body, _ := xmlrpc.MarshalCall("peer")
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: ca.pool, Certificates: certs}, ForceAttemptHTTP2: true}}
	}
	// With a client certificate: served, over HTTP/2.
	resp, err := client(ca.issue(t, "dave", x509.ExtKeyUsageClientAuth)).Post("https://"+addr+"/RPC2", "text/xml", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var who string
	b := make([]byte, 4096)
	n, _ := resp.Body.Read(b)
	resp.Body.Close()
	if err := xmlrpc.UnmarshalResponse(b[:n], &who); err != nil || who != "dave" || resp.ProtoMajor != 2 {
		t.Fatalf("peer = %q %v over %s", who, err, resp.Proto)
	}
	// Without one: refused during the handshake.
	if _, err := client().Post("https://"+addr+"/RPC2", "text/xml", strings.NewReader(string(body))); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	// Plain HTTP to the TLS port is not served.
	if resp, err := http.Post("http://"+addr+"/RPC2", "text/xml", strings.NewReader(string(body))); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP served on the TLS port")
		}
	}
}

// TestWriteStallTLS checks that an answer nobody reads over TLS also ends its connection after
// the write stall timeout, its memory released: the pieces are watched beneath TLS.
func TestWriteStallTLS(t *testing.T) {
	ca := newCA(t)
	cfg := server.DefaultConfig()
	cfg.Logger = discardLogger()
	cfg.WriteStallTimeout = 200 * time.Millisecond
	cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "server", x509.ExtKeyUsageServerAuth)}}
	s, err := server.New(testRegistry(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLocal(t, context.Background(), s)
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.(*net.TCPConn).SetReadBuffer(4096)
	c := tls.Client(raw, &tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1"})
	body, _ := xmlrpc.MarshalCall("big", 8<<20)
	fmt.Fprintf(c, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	deadline := time.Now().Add(5 * time.Second)
	for s.MemoryUsed() < 8<<20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if u := s.MemoryUsed(); u < 8<<20 {
		t.Fatalf("the answer being written holds %d bytes of the budget, want its 8 MiB", u)
	}
	pinned := time.Now()
	for s.MemoryUsed() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if held := time.Since(pinned); s.MemoryUsed() != 0 || held > 2*time.Second {
		t.Fatalf("the unread answer still holds %d bytes after %v", s.MemoryUsed(), held)
	}
}
