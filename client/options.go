package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// DefaultUserAgent is the User-Agent header a client sends unless WithUserAgent sets another.
const DefaultUserAgent = "harp-xmlrpc/1 (Go)"

// Defaults for the options.
const (
	// DefaultMaxIdleConnsPerHost is how many idle keep-alive connections a client keeps.
	DefaultMaxIdleConnsPerHost = 64
	// DefaultIdleConnTimeout is how long an idle keep-alive connection is kept.
	DefaultIdleConnTimeout = 90 * time.Second
	// DefaultDialTimeout bounds connecting, whatever the context allows.
	DefaultDialTimeout = 30 * time.Second
	// DefaultTLSHandshakeTimeout bounds the TLS handshake, whatever the context allows.
	DefaultTLSHandshakeTimeout = 10 * time.Second
	// DefaultGzipThreshold is the request size above which WithGzipRequests compresses when
	// given a threshold of 0.
	DefaultGzipThreshold = 1400
)

// Option configures a Client; pass options to New.
type Option func(*config) error

// config is what the options set.
type config struct {
	header              http.Header
	userAgent           string
	user, password      string
	hasAuth             bool
	path                string
	tls                 *tls.Config
	rootCAs             *x509.CertPool
	certs               []tls.Certificate
	insecure            bool
	transport           http.RoundTripper
	proxy               func(*http.Request) (*url.URL, error)
	maxConnsPerHost     int
	maxIdleConnsPerHost int
	idleConnTimeout     time.Duration
	dialTimeout         time.Duration
	timeout             time.Duration
	acceptGzip          bool
	gzipRequests        bool
	gzipThreshold       int
	enc                 xmlrpc.EncodeOptions
	dec                 xmlrpc.DecodeOptions
	json                bool // set by WithJSONRPC and WithJSONOptions
	jsonEnc             jsonrpc.EncodeOptions
	jsonDec             jsonrpc.DecodeOptions
}

func defaultConfig() *config {
	return &config{
		header:              http.Header{},
		userAgent:           DefaultUserAgent,
		maxIdleConnsPerHost: DefaultMaxIdleConnsPerHost,
		idleConnTimeout:     DefaultIdleConnTimeout,
		dialTimeout:         DefaultDialTimeout,
		acceptGzip:          true,
	}
}

// WithHeader adds a header sent with every call. It may be given several times, also for the
// same key. Content-Type, Content-Length, Content-Encoding and Host are set by the client and
// cannot be overridden.
func WithHeader(key, value string) Option {
	return func(c *config) error {
		switch http.CanonicalHeaderKey(key) {
		case "Content-Type", "Content-Length", "Content-Encoding", "Host", "Transfer-Encoding":
			return errors.New("client: header " + key + " is set by the client")
		}
		c.header.Add(key, value)
		return nil
	}
}

// WithUserAgent sets the User-Agent header (DefaultUserAgent otherwise).
func WithUserAgent(ua string) Option {
	return func(c *config) error { c.userAgent = ua; return nil }
}

// WithBasicAuth sends HTTP Basic credentials with every call, overriding any in the URL. A URL
// such as http://user:pass@host/RPC2 sets them too, as Python's ServerProxy does.
func WithBasicAuth(user, password string) Option {
	return func(c *config) error {
		c.user, c.password, c.hasAuth = user, password, true
		return nil
	}
}

// WithPath sets the HTTP request path. It serves unix:// URLs, whose URL path names the socket:
// their request path is /RPC2 (what supervisord serves) unless set here. For http:// and https://
// URLs it replaces the URL's path.
func WithPath(path string) Option {
	return func(c *config) error {
		if path == "" || path[0] != '/' {
			return errors.New("client: WithPath: path must begin with /")
		}
		c.path = path
		return nil
	}
}

// WithTLSConfig sets the TLS configuration for https:// URLs. It is cloned; WithRootCAs,
// WithClientCertificate and WithInsecureSkipVerify apply on top of it.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) error { c.tls = cfg.Clone(); return nil }
}

// WithRootCAs sets the certificate authorities that server certificates are verified against,
// instead of the system's.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *config) error { c.rootCAs = pool; return nil }
}

// WithClientCertificate presents cert to servers that ask for a client certificate.
func WithClientCertificate(cert tls.Certificate) Option {
	return func(c *config) error { c.certs = append(c.certs, cert); return nil }
}

// WithInsecureSkipVerify turns off verification of the server's certificate chain and host
// name. It is off unless asked for, and is meant for tests only: it lets anyone in the middle
// read and change calls.
func WithInsecureSkipVerify() Option {
	return func(c *config) error { c.insecure = true; return nil }
}

// WithTransport makes the client send its requests through rt, to share a transport or add
// middleware. The client then leaves connection handling to rt: the TLS, proxy and pool options
// do not apply, and unix:// URLs are refused. Since the client cannot count what rt writes, rt's
// error decides whether a failed request was sent: an error in its chain (errors.As) with a
// NotSent() bool method says so either way, as a transport that knows (a broker's "no
// responders", a middleware's refusal before sending) can report; failing that, only a failed
// dial (a *net.OpError with Op "dial", as net/http's transports return) or a TLS handshake the
// server rejected count as not sent, and a connection that fails before the request is written
// counts as sent.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("client: WithTransport(nil)")
		}
		c.transport = rt
		return nil
	}
}

// WithProxy routes http:// and https:// calls through the proxy the function chooses (for
// example http.ProxyFromEnvironment). By default no proxy is used, as in Python's xmlrpc.client.
func WithProxy(proxy func(*http.Request) (*url.URL, error)) Option {
	return func(c *config) error { c.proxy = proxy; return nil }
}

// WithMaxConnsPerHost caps the connections (dialing, busy and idle) the client opens; calls
// beyond the cap wait for a free connection within their context. 0, the default, means no cap.
func WithMaxConnsPerHost(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return errors.New("client: WithMaxConnsPerHost: negative")
		}
		c.maxConnsPerHost = n
		return nil
	}
}

// WithMaxIdleConnsPerHost sets how many idle keep-alive connections are kept for reuse
// (DefaultMaxIdleConnsPerHost otherwise). Set it near the number of goroutines that call at
// once, or connections are closed and reopened under load.
func WithMaxIdleConnsPerHost(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("client: WithMaxIdleConnsPerHost: must be at least 1")
		}
		c.maxIdleConnsPerHost = n
		return nil
	}
}

// WithIdleConnTimeout sets how long an idle connection is kept (DefaultIdleConnTimeout
// otherwise).
func WithIdleConnTimeout(d time.Duration) Option {
	return func(c *config) error { c.idleConnTimeout = d; return nil }
}

// WithDialTimeout bounds connecting to the server (DefaultDialTimeout otherwise); the call's
// context bounds it too.
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) error { c.dialTimeout = d; return nil }
}

// WithTimeout bounds every call made without an earlier context deadline. Without it, only the
// context bounds a call.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("client: WithTimeout: negative")
		}
		c.timeout = d
		return nil
	}
}

// WithAcceptGzip chooses whether the client asks for gzip-compressed responses (it does by
// default, as Python's xmlrpc.client does). Compressed responses are decompressed within the
// response size limit either way.
func WithAcceptGzip(accept bool) Option {
	return func(c *config) error { c.acceptGzip = accept; return nil }
}

// WithGzipRequests compresses request bodies larger than threshold bytes
// (DefaultGzipThreshold when 0). Only use it with servers that accept gzip-encoded requests
// (harp, CPython's SimpleXMLRPCServer).
func WithGzipRequests(threshold int) Option {
	return func(c *config) error {
		if threshold < 0 {
			return errors.New("client: WithGzipRequests: negative threshold")
		}
		if threshold == 0 {
			threshold = DefaultGzipThreshold
		}
		c.gzipRequests, c.gzipThreshold = true, threshold
		return nil
	}
}

// WithEncodeOptions sets how calls are encoded: the dialect for i8 and nil, and whether nil is
// refused.
func WithEncodeOptions(o xmlrpc.EncodeOptions) Option {
	return func(c *config) error { c.enc = o; return nil }
}

// WithDecodeOptions sets how responses are decoded: depth and size limits (MaxSize also caps a
// decompressed response), unknown struct members, time zone.
func WithDecodeOptions(o xmlrpc.DecodeOptions) Option {
	return func(c *config) error { c.dec = o; return nil }
}
