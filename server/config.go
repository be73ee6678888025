package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Sentinel errors, tested with errors.Is.
var (
	// ErrInvalidConfig reports a Config that VerifyConfig refuses.
	ErrInvalidConfig = errors.New("server: invalid config")
	// ErrShutdownTimeout reports that calls were still in flight when Config.ShutdownTimeout ended
	// a graceful shutdown; the remaining connections were closed.
	ErrShutdownTimeout = errors.New("server: shutdown timed out with calls in flight")
)

// Middleware wraps the server's handler, for logging, metrics or custom authentication. It sees
// every request, including those answered 404 or 401.
type Middleware func(http.Handler) http.Handler

// Config configures a Server. Start from DefaultConfig and change what you need.
type Config struct {
	// Paths are the URL paths that serve calls and documentation; others get 404. A single "*"
	// serves every path, for mounting under a prefix of another mux. They serve both protocols:
	// each request is XML-RPC or JSON-RPC by its Content-Type (text/xml or application/xml;
	// application/json, application/json-rpc or application/jsonrequest), and for a missing or
	// generic type (text/plain, application/octet-stream) by the body's first non-space byte,
	// '<' or '{' / '['.
	Paths []string
	// XMLRPCPaths and JSONRPCPaths are further paths that serve only XML-RPC or only JSON-RPC,
	// whatever the Content-Type (and the documentation page). A path is in at most one of Paths,
	// XMLRPCPaths and JSONRPCPaths; with "*" in Paths they take precedence for their paths. To
	// serve only XML-RPC, leave Paths empty and list the paths in XMLRPCPaths.
	XMLRPCPaths  []string
	JSONRPCPaths []string
	// MaxBodySize is the largest request body accepted, in bytes, before and after gzip
	// decompression. Larger requests get 413.
	MaxBodySize int64
	// MaxDepth limits how deeply request values nest; deeper is a parse error fault. For
	// JSON-RPC the request object and a batch around it count as levels.
	MaxDepth int
	// MaxBatch limits the entries of one JSON-RPC batch; a larger batch is answered with one
	// invalid-request error object.
	MaxBatch int
	// MaxValues limits the values (every array element and object member) of one JSON-RPC
	// request body; more is a parse error. Dense JSON costs many times its size once decoded, so
	// this bounds memory where MaxBodySize alone would not.
	MaxValues int
	// LargeIntsAsStrings makes JSON-RPC responses carry integers beyond ±(2^53-1), which a
	// JavaScript number cannot hold exactly, as decimal strings instead of numbers.
	LargeIntsAsStrings bool
	// BodyStallTimeout is how long reading the request body may wait for more bytes: a client that
	// declares more than it sends gets 408 after at most this (and at least half of it), not a hung
	// handler. Under Serve the first read of a body runs under the request's own deadline instead
	// (Config.ReadHeaderTimeout from its start), which spares a small body any deadline update.
	BodyStallTimeout time.Duration
	// BodyTimeout bounds reading the whole request body.
	BodyTimeout time.Duration
	// CallTimeout, when positive, is each call's deadline. A handler still running at the deadline
	// is abandoned and the call answered with an internal error fault. 0 means none.
	CallTimeout time.Duration
	// MaxInFlight, when positive, caps the calls served at once; beyond it a request gets 503 with
	// a Retry-After of RetryAfter. A call counts from the end of its body until it has run:
	// bodies still arriving count against MaxBodies instead, and answers being written against
	// MemoryBudget and WriteStallTimeout.
	MaxInFlight int
	// MaxBodies caps the request bodies being read at once past their first read (a body that
	// comes in one read never waits); beyond it a request gets 503 with Retry-After at once, so
	// that clients trickling their bodies cannot hold the calls of others.
	MaxBodies int
	// MemoryBudget bounds the bytes the server holds for requests at once: request bodies being
	// read (as they arrive, never from their declared length alone), the values decoded from
	// them (reckoned at twice the body) and answers being written. A request that does not fit
	// gets 503 with a Retry-After of RetryAfter at once, and 413 if it could never fit (a body
	// that with its values is larger than the budget, or than its peer's share); everyone else
	// is served. An
	// answer that does not fit once its call has run is replaced by an internal error fault
	// saying so (not a 503, which tells a client the call was not made). The bytes beyond the
	// budget are the runtime's and the connections' own (about 20 KiB each).
	MemoryBudget int64
	// PeerShare is the share of MaxConns, MaxBodies and MemoryBudget that the connections from
	// one IP address may hold at once under Serve, so that one client cannot take all of them
	// (its share of connections, once the server holds half of MaxConns).
	// 0 or 1 turns the per-peer limits off, as for a trusted gateway in front, whose address
	// every request shares.
	PeerShare float64
	// MaxConns caps the connections open at once under Serve; a connection beyond it, or beyond
	// its peer's share of it, is closed as soon as it is accepted. 0 means no cap.
	MaxConns int
	// RetryAfter is announced with 503 answers, rounded up to whole seconds.
	RetryAfter time.Duration
	// GzipThreshold is the response size, in bytes, above which a response is gzip-compressed for
	// a client that accepts it. Negative disables compression.
	GzipThreshold int
	// Dialect selects how the XML-RPC encoder writes i8 and nil.
	Dialect xmlrpc.Dialect
	// StrictXML refuses the XML-RPC input dialects read by default (<boolean>true</boolean>,
	// <int> beyond 32 bits; see xmlrpc.DecodeOptions.Strict).
	StrictXML bool
	// SecondDigits is how many digits of a second XML-RPC answers' dateTime values carry
	// (0..9; 0, the default, writes whole seconds, which every peer reads).
	SecondDigits int
	// DisableDocs answers GET with 405 instead of the HTML documentation page.
	DisableDocs bool
	// Title heads the documentation page.
	Title string
	// BasicAuth, when set, is asked for every request's Basic credentials; requests without
	// accepted credentials get 401. See Users.
	BasicAuth func(user, password string) bool
	// Realm names the Basic authentication realm.
	Realm string
	// Middleware wraps the handler, the first outermost.
	Middleware []Middleware
	// Logger receives structured logs: calls at debug level, refused requests at info, panics
	// and server errors at error. nil means slog.Default().
	Logger *slog.Logger
	// Observer, when set, is told of every call answered and every call refused, for metrics
	// (see Observer). nil costs nothing.
	Observer Observer

	// The settings below apply to Serve and ListenAndServe, not to the bare http.Handler.

	// TLSConfig, when set, makes Serve speak TLS with it: certificates, and client certificates
	// through ClientAuth and ClientCAs.
	TLSConfig *tls.Config
	// ReadHeaderTimeout bounds reading a request's headers; a client trickling them is cut off.
	ReadHeaderTimeout time.Duration
	// WriteTimeout bounds writing a response, from the end of its request's headers; so it also
	// bounds how long a call may run under Serve (set CallTimeout below it to answer such calls
	// with a fault instead of a dropped connection). Over plain HTTP a connection on one request
	// longer than this is closed within an eighth of the timeout (at most 2 s) after it, which
	// also cancels a call still running; over TLS the answer's writes fail. 0 means none.
	WriteTimeout time.Duration
	// WriteStallTimeout closes a connection whose answer makes no progress (no 32 KiB piece
	// taken by the client) this long, within a quarter of it after, TLS connections included:
	// a client that never reads its answer holds it this long, not WriteTimeout. 0 means none.
	WriteStallTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long (over plain HTTP, within an eighth
	// of the timeout, at most 2 s, after it). 0 means none.
	IdleTimeout time.Duration
	// MaxHeaderBytes limits the size of request headers.
	MaxHeaderBytes int
	// ShutdownTimeout bounds the graceful drain of calls in flight when Serve's context ends.
	ShutdownTimeout time.Duration
	// ConnContext, when set, derives the context of a connection's requests from the base
	// context and the connection as the listener given to Serve returned it (beneath TLS), as
	// http.Server's ConnContext does. It is called once per connection, and once more by
	// net/http for a connection the fast connections hand over to it.
	ConnContext func(ctx context.Context, c net.Conn) context.Context
}

// DefaultConfig returns the default configuration: paths "/" and "/RPC2" serving XML-RPC and
// JSON-RPC, 16 MiB bodies, depth 100, JSON-RPC batches of 1,000 and 1,000,000 values, a 750 ms
// body stall timeout within 60 s for the whole body, no call timeout, no in-flight cap, 256
// bodies being read and a 256 MiB memory budget (Retry-After 1 s), gzip above 1400 bytes,
// documentation on, no authentication; for Serve, 10,000 connections, a quarter of them, of the
// bodies and of the budget per IP address, a 1 s header timeout, 120 s write and idle timeouts,
// a 5 s write stall timeout, 64 KiB headers and 30 s to drain.
func DefaultConfig() *Config {
	return &Config{
		Paths:             []string{"/", "/RPC2"},
		MaxBodySize:       16 << 20,
		MaxDepth:          xmlrpc.DefaultMaxDepth,
		MaxBatch:          jsonrpc.DefaultMaxBatch,
		MaxValues:         jsonrpc.DefaultMaxValues,
		BodyStallTimeout:  750 * time.Millisecond,
		BodyTimeout:       60 * time.Second,
		RetryAfter:        time.Second,
		MaxBodies:         256,
		MemoryBudget:      256 << 20,
		PeerShare:         0.25,
		MaxConns:          10_000,
		WriteStallTimeout: 5 * time.Second,
		GzipThreshold:     1400,
		Title:             "harp RPC service",
		Realm:             "harp",
		ReadHeaderTimeout: time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ShutdownTimeout:   30 * time.Second,
	}
}

// VerifyConfig reports whether c is usable, with an error wrapping ErrInvalidConfig if not.
func VerifyConfig(c *Config) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if err := verifyPaths(c); err != nil {
		return bad("%s", err)
	}
	switch {
	case c.MaxBodySize <= 0:
		return bad("MaxBodySize must be positive")
	case c.MaxDepth <= 0:
		return bad("MaxDepth must be positive")
	case c.MaxBatch <= 0 || c.MaxValues <= 0:
		return bad("MaxBatch and MaxValues must be positive")
	case c.BodyStallTimeout <= 0 || c.BodyTimeout <= 0:
		return bad("BodyStallTimeout and BodyTimeout must be positive")
	case c.CallTimeout < 0 || c.MaxInFlight < 0:
		return bad("CallTimeout and MaxInFlight must not be negative")
	case c.RetryAfter <= 0:
		return bad("RetryAfter must be positive")
	case c.MaxBodies <= 0 || c.MemoryBudget <= 0:
		return bad("MaxBodies and MemoryBudget must be positive")
	case c.MaxConns < 0 || c.WriteStallTimeout < 0:
		return bad("MaxConns and WriteStallTimeout must not be negative")
	case !(c.PeerShare >= 0 && c.PeerShare <= 1):
		return bad("PeerShare must be between 0 and 1")
	case c.ReadHeaderTimeout <= 0:
		return bad("ReadHeaderTimeout must be positive: without it a client trickling headers holds a connection forever")
	case c.WriteTimeout < 0 || c.IdleTimeout < 0 || c.MaxHeaderBytes < 0 || c.ShutdownTimeout < 0:
		return bad("timeouts and MaxHeaderBytes must not be negative")
	case c.Dialect != xmlrpc.DialectStandard && c.Dialect != xmlrpc.DialectApache:
		return bad("unknown Dialect %d", c.Dialect)
	case c.SecondDigits < 0 || c.SecondDigits > 9:
		return bad("SecondDigits %d: want 0..9", c.SecondDigits)
	}
	return nil
}

// verifyPaths checks Paths, XMLRPCPaths and JSONRPCPaths: at least one path, each starting with
// /, "*" only alone in Paths, no path twice.
func verifyPaths(c *Config) error {
	if len(c.Paths)+len(c.XMLRPCPaths)+len(c.JSONRPCPaths) == 0 {
		return errors.New("no Paths")
	}
	seen := make(map[string]bool)
	for i, list := range [][]string{c.Paths, c.XMLRPCPaths, c.JSONRPCPaths} {
		for _, p := range list {
			switch {
			case p == "*" && i == 0 && len(list) == 1:
			case p == "*":
				return errors.New(`"*" must be the only entry of Paths`)
			case !strings.HasPrefix(p, "/"):
				return fmt.Errorf("path %q does not start with /", p)
			}
			if seen[p] {
				return fmt.Errorf("path %q is listed twice", p)
			}
			seen[p] = true
		}
	}
	return nil
}
