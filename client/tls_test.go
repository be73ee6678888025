package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"testing"
	"time"
)

// testPKI is a throwaway certificate authority with a server certificate for 127.0.0.1 and a
// client certificate.
type testPKI struct {
	pool   *x509.CertPool
	server tls.Certificate
	client tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "harp test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage, name string) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.server = leaf(2, x509.ExtKeyUsageServerAuth, "127.0.0.1")
	p.client = leaf(3, x509.ExtKeyUsageClientAuth, "harp client")
	return p
}

// startTLS starts the test server over TLS with the PKI's server certificate, requiring and
// verifying a client certificate when clientAuth is set.
func startTLS(t *testing.T, pki *testPKI, clientAuth bool) *testServer {
	ts := &testServer{gzipAbove: -1}
	ts.Server = httptest.NewUnstartedServer(ts)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}}
	if clientAuth {
		ts.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		ts.TLS.ClientCAs = pki.pool
	}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

func TestTLSWithCustomCA(t *testing.T) {
	pki := newTestPKI(t)
	ts := startTLS(t, pki, false)

	var sum int
	if err := newClient(t, ts.URL, WithRootCAs(pki.pool)).Call(context.Background(), "add", &sum, 2, 3); err != nil || sum != 5 {
		t.Fatalf("with CA: %d, %v", sum, err)
	}

	// An unknown authority fails the handshake: not sent.
	err := newClient(t, ts.URL).Call(context.Background(), "add", nil, 2, 3)
	var te *TransportError
	var ue x509.UnknownAuthorityError
	if !errors.As(err, &te) || !te.NotSent() || te.Op != "connect" || !errors.As(err, &ue) {
		t.Fatalf("unknown CA: %v", err)
	}

	// InsecureSkipVerify only when asked.
	if err := newClient(t, ts.URL, WithInsecureSkipVerify()).Call(context.Background(), "add", nil, 2, 3); err != nil {
		t.Fatalf("insecure: %v", err)
	}
	if ts.calls.Load() != 2 {
		t.Fatalf("server ran %d calls, want 2", ts.calls.Load())
	}
}

func TestTLSClientCertificate(t *testing.T) {
	pki := newTestPKI(t)
	ts := startTLS(t, pki, true)
	c := newClient(t, ts.URL, WithRootCAs(pki.pool), WithClientCertificate(pki.client))
	var sum int
	if err := c.Call(context.Background(), "add", &sum, 20, 22); err != nil || sum != 42 {
		t.Fatalf("with client cert: %d, %v", sum, err)
	}
	if st := ts.lastReq.Load().TLS; st == nil || len(st.PeerCertificates) != 1 || st.PeerCertificates[0].Subject.CommonName != "harp client" {
		t.Fatalf("server saw no client certificate")
	}

	// Without a certificate the server rejects the handshake. In TLS 1.2 that happens before
	// the client has a connection: not sent.
	err := newClient(t, ts.URL, WithTLSConfig(&tls.Config{MaxVersion: tls.VersionTLS12}), WithRootCAs(pki.pool)).
		Call(context.Background(), "add", nil, 1, 1)
	var te *TransportError
	if !errors.As(err, &te) || !te.NotSent() {
		t.Fatalf("TLS 1.2 without client cert: %v", err)
	}
	// In TLS 1.3 the client may already have written its request when the server's alert
	// arrives; the alert proves the server never read it. When the server's reset overtakes the
	// alert, the client cannot tell, and the call conservatively counts as sent.
	alerts := 0
	for range 5 {
		err := newClient(t, ts.URL, WithRootCAs(pki.pool)).Call(context.Background(), "add", nil, 1, 1)
		if !errors.As(err, &te) {
			t.Fatalf("TLS 1.3 without client cert: %v", err)
		}
		if tlsHandshakeRejected(err) {
			alerts++
			if !te.NotSent() {
				t.Fatalf("rejected handshake counted as sent: %v", err)
			}
		}
	}
	if alerts == 0 {
		t.Fatal("no TLS 1.3 attempt surfaced the server's alert")
	}
	if ts.calls.Load() != 1 {
		t.Fatalf("server ran %d calls, want 1", ts.calls.Load())
	}
}

func TestHTTPClientAgainstTLSServerFails(t *testing.T) {
	pki := newTestPKI(t)
	ts := startTLS(t, pki, false)
	// Plain HTTP to a TLS port: the server answers 400 to what it cannot read as TLS.
	err := newClient(t, "http://"+ts.Listener.Addr().String()+"/").Call(context.Background(), "add", nil, 1, 1)
	if err == nil {
		t.Fatal("plain HTTP to a TLS server succeeded")
	}
	classify(t, err)
}
