package client

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
)

// endpoint is a parsed server URL: where requests go and how to reach it.
type endpoint struct {
	url      *url.URL // the request URL, without user info (for unix:// an http://localhost URL)
	redacted string   // the URL as given, password redacted, for error messages
	socket   string   // the unix socket path, or ""
	user     *url.Userinfo
}

// parseEndpoint parses an http://, https:// or unix:///path.sock URL. An empty path becomes
// /RPC2, as in Python's ServerProxy.
func parseEndpoint(raw, path string) (*endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("client: bad URL: " + err.Error())
	}
	ep := &endpoint{redacted: u.Redacted(), user: u.User}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return nil, errors.New("client: URL " + ep.redacted + " has no host")
		}
		req := &url.URL{Scheme: strings.ToLower(u.Scheme), Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
		if path != "" {
			req.Path, req.RawPath = path, ""
		}
		if req.Path == "" {
			req.Path = "/RPC2"
		}
		ep.url = req
	case "unix":
		if u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
			return nil, errors.New("client: unix URL " + ep.redacted + " must name an absolute socket path, as in unix:///run/app.sock")
		}
		ep.socket = u.Path
		if path == "" {
			path = "/RPC2"
		}
		ep.url = &url.URL{Scheme: "http", Host: "localhost", Path: path}
	default:
		return nil, errors.New("client: URL " + ep.redacted + ": scheme must be http, https or unix")
	}
	return ep, nil
}

// basicAuth returns the Authorization header value for user and password.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// newTransport builds the HTTP transport for ep from cfg: keep-alive pool, TLS, unix socket.
func newTransport(ep *endpoint, cfg *config) (*http.Transport, error) {
	dialer := &net.Dialer{Timeout: cfg.dialTimeout, KeepAlive: DefaultIdleConnTimeout / 3}
	network := ""
	if ep.socket != "" {
		network = "unix"
	}
	dial := func(ctx context.Context, netw, addr string) (net.Conn, error) {
		if network != "" {
			netw, addr = network, ep.socket
		}
		conn, err := dialer.DialContext(ctx, netw, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: conn}, nil
	}
	t := &http.Transport{
		Proxy:               cfg.proxy,
		DialContext:         dial,
		MaxIdleConns:        0, // no global cap: this transport serves one host
		MaxIdleConnsPerHost: cfg.maxIdleConnsPerHost,
		MaxConnsPerHost:     cfg.maxConnsPerHost,
		IdleConnTimeout:     cfg.idleConnTimeout,
		TLSHandshakeTimeout: DefaultTLSHandshakeTimeout,
		// The client asks for gzip itself and decompresses within the size limit.
		DisableCompression: true,
	}
	if ep.socket != "" {
		t.Proxy = nil
	}
	if cfg.tls != nil || cfg.rootCAs != nil || len(cfg.certs) > 0 || cfg.insecure {
		tc := cfg.tls
		if tc == nil {
			tc = &tls.Config{}
		}
		if cfg.rootCAs != nil {
			tc.RootCAs = cfg.rootCAs
		}
		tc.Certificates = append(tc.Certificates, cfg.certs...)
		if cfg.insecure {
			tc.InsecureSkipVerify = true
		}
		if tc.MinVersion == 0 {
			tc.MinVersion = tls.VersionTLS12
		}
		t.TLSClientConfig = tc
	}
	return t, nil
}

// countingConn counts the bytes written to a connection, so that a failed call can tell whether
// any byte of its request reached the socket.
type countingConn struct {
	net.Conn
	written atomic.Int64
}

// Write writes p to the connection and counts the bytes it accepted.
func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// countedConn finds the countingConn under conn (itself, or under TLS), or nil.
func countedConn(conn net.Conn) *countingConn {
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	cc, _ := conn.(*countingConn)
	return cc
}

// handshakeAlerts are the TLS alerts a server sends when it rejects the handshake: the client's
// certificate, the protocol version, the negotiated parameters.
var handshakeAlerts = map[uint64]bool{
	40: true, 42: true, 43: true, 44: true, 45: true, 46: true, 48: true, 49: true, 51: true,
	70: true, 116: true, 120: true,
}

// tlsHandshakeRejected reports whether err carries a TLS alert with which the server rejected
// the handshake. In TLS 1.3 the client finishes its side of the handshake, and may write its
// request, before the server checks the client's certificate; the server then answers with an
// alert and never reads the request, so such a call was not sent.
func tlsHandshakeRejected(err error) bool {
	var op *net.OpError
	for e := err; errors.As(e, &op); e = op.Err {
		if op.Op == "remote error" {
			v := reflect.ValueOf(op.Err)
			return v.Kind() == reflect.Uint8 && v.Type().PkgPath() == "crypto/tls" && handshakeAlerts[v.Uint()]
		}
	}
	return false
}

// isDialError reports whether err is a failure to open a connection.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
