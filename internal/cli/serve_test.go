package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// writePKI writes to dir a CA (ca.pem), a server certificate for 127.0.0.1 (server.pem,
// server.key) and a client certificate (client.pem, client.key), all issued by the CA.
func writePKI(t *testing.T, dir string) {
	t.Helper()
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var caCert *x509.Certificate
	var caKey *ecdsa.PrivateKey
	issue := func(name string, tmpl *x509.Certificate) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
		tmpl.Subject = pkix.Name{CommonName: name}
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		parent, signer := tmpl, key
		if caCert != nil {
			parent, signer = caCert, caKey
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
		write(name+".pem", "CERTIFICATE", der)
		write(name+".key", "PRIVATE KEY", keyDER)
		if caCert == nil {
			caCert, _ = x509.ParseCertificate(der)
			caKey = key
		}
	}
	issue("ca", &x509.Certificate{IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign})
	issue("server", &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}})
	issue("client", &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
}

// serveInBackground runs harp serve with args and returns its announced RPC2 URL.
func serveInBackground(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), &errb, &errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != ExitOK {
				t.Errorf("serve exited %d after a graceful stop: %s", code, errb.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop when its context ended")
		}
	})
	re := regexp.MustCompile(`https?://[0-9.:]+/RPC2`)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindString(errb.String()); m != "" {
			return m
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errb.String())
		default:
		}
	}
	t.Fatalf("serve did not announce its address: %s", errb.String())
	return ""
}

func TestServeAndCallOverTLS(t *testing.T) {
	dir := t.TempDir()
	writePKI(t, dir)
	f := func(name string) string { return filepath.Join(dir, name) }

	url := serveInBackground(t, "-tls-cert", f("server.pem"), "-tls-key", f("server.key"))
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("announced %s", url)
	}
	if code, out, errs := harp("call", "-ca", f("ca.pem"), url, "add", "1", "2"); code != ExitOK || out != "3\n" {
		t.Fatalf("with -ca: %d %q %q", code, out, errs)
	}
	if code, _, errs := harp("call", url, "add", "1", "2"); code != ExitFailure || !strings.Contains(errs, "certificate") {
		t.Fatalf("unknown CA: %d %q", code, errs)
	}
	if code, out, _ := harp("call", "-insecure", url, "add", "1", "2"); code != ExitOK || out != "3\n" {
		t.Fatalf("-insecure: %d %q", code, out)
	}

	mtls := serveInBackground(t, "-tls-cert", f("server.pem"), "-tls-key", f("server.key"), "-client-ca", f("ca.pem"))
	if code, out, errs := harp("call", "-ca", f("ca.pem"), "-cert", f("client.pem"), "-key", f("client.key"), mtls, "add", "2", "2"); code != ExitOK || out != "4\n" {
		t.Fatalf("client certificate: %d %q %q", code, out, errs)
	}
	if code, _, _ := harp("call", "-ca", f("ca.pem"), mtls, "add", "2", "2"); code != ExitFailure {
		t.Fatalf("no client certificate: exit %d", code)
	}
	if code, _, errs := harp("serve", "-client-ca", f("ca.pem")); code != ExitUsage {
		t.Fatalf("-client-ca without a certificate: %d %q", code, errs)
	}
}

func TestCallHeader(t *testing.T) {
	srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("X-Trace"))
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	if code, _, errs := harp("call", "-H", "X-Trace: abc", ts.URL, "add", "1", "1"); code != ExitOK || got.Load() != "abc" {
		t.Fatalf("-H: exit %d, header %v, %s", code, got.Load(), errs)
	}
	if code, _, errs := harp("call", "-H", "no colon", ts.URL, "add", "1", "1"); code != ExitUsage {
		t.Fatalf("bad -H: %d %q", code, errs)
	}
}

func TestCallUnixSocket(t *testing.T) {
	srv, err := newDemoServer(demoServerConfig{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "harp-cli")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "rpc.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	if code, out, errs := harp("call", "unix://"+sock, "add", "20", "22"); code != ExitOK || out != "42\n" {
		t.Fatalf("over a unix socket: %d %q %q", code, out, errs)
	}
	if code, out, _ := harp("call", "-path", "/", "unix://"+sock, "pow", "2", "5"); code != ExitOK || out != "32\n" {
		t.Fatalf("-path /: %d %q", code, out)
	}
	if code, _, _ := harp("call", "-path", "/elsewhere", "unix://"+sock, "pow", "2", "5"); code != ExitFailure {
		t.Fatalf("-path to an unserved path: exit %d", code)
	}
}
