package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// ServerCodec is one wire format on the serving side, in the spirit of net/rpc's ServerCodec: it
// turns a request body into its calls (one call, a JSON-RPC batch; system.multicall is a method
// like any other), hands each to a Dispatcher, and appends the encoded answers to a buffer. It
// knows nothing of the transport that brought the body. A ServerCodec is read-only once made and
// safe for concurrent use.
type ServerCodec interface {
	// Name names the wire format, "xmlrpc" or "jsonrpc": transports and configurations find a
	// codec by it (Server.Codec), never by position.
	Name() string
	// ContentType is the media type of the codec's answers, as HTTP's Content-Type writes it.
	ContentType() string
	// Accepts reports whether a request of media type mt (lower case, without parameters; ""
	// when the transport has none) whose body starts with first (its first non-space byte, 0
	// for an empty body) is for this codec.
	Accepts(mt string, first byte) bool
	// Serve runs the calls in body through d and appends the answer to dst. An empty answer
	// means there is nothing to answer (a notification). The call's context is ctx: once it is
	// done, calls not yet run are answered with CodeInternalError without running.
	Serve(ctx context.Context, d Dispatcher, body, dst []byte) ([]byte, Summary)
	// AppendFault appends an answer that is an error with code and msg, for refusals made
	// outside of Serve (a timeout, a transport's limit).
	AppendFault(dst []byte, code int, msg string) []byte
}

// Summary describes what a ServerCodec answered, for logs.
type Summary struct {
	Method string // the method of the (first) call; "" when the body could not be parsed
	Code   int    // the first fault or error code answered; 0 when every answer was a result
	Calls  int    // the calls in the body: 1, or the entries of a batch
	Batch  bool   // the body was a JSON-RPC batch
}

// ServerConfig configures a Server: the limits and options its codecs decode and encode with,
// and the call timeout. Start from DefaultServerConfig.
type ServerConfig struct {
	// MaxBodySize is the largest body the codecs decode, in bytes (a transport should refuse
	// larger bodies before reading them).
	MaxBodySize int64
	// MaxDepth limits how deeply request values nest.
	MaxDepth int
	// MaxBatch limits the entries of a JSON-RPC batch; MaxValues the values of a JSON-RPC body.
	MaxBatch  int
	MaxValues int
	// Dialect selects how XML-RPC answers write i8 and nil.
	Dialect xmlrpc.Dialect
	// StrictXML refuses the XML-RPC input dialects read by default (xmlrpc.DecodeOptions.Strict).
	StrictXML bool
	// SecondDigits is how many digits of a second XML-RPC answers' dateTime values carry
	// (xmlrpc.EncodeOptions.SecondDigits); 0, the default, writes whole seconds.
	SecondDigits int
	// LargeIntsAsStrings writes JSON-RPC integers beyond ±(2^53-1) as decimal strings.
	LargeIntsAsStrings bool
	// ErrorCode is the code of handler errors that carry none. 0 means the Dispatcher's own when
	// it is a *Registry (Config.ErrorCode), else DefaultErrorCode.
	ErrorCode int
	// CallTimeout, when positive, is each body's deadline: a handler still running at it (or at
	// the earlier deadline of the context Serve is given) is abandoned, and the body answered
	// with an internal error fault, so that only its own call is hurt. 0 means none.
	CallTimeout time.Duration
	// Logger receives a warning for each abandoned call. nil means slog.Default().
	Logger *slog.Logger
}

// DefaultServerConfig returns the default limits: 16 MiB bodies, depth 100, JSON-RPC batches of
// 1,000 and 1,000,000 values, the standard XML-RPC dialect, no call timeout.
func DefaultServerConfig() *ServerConfig {
	return &ServerConfig{
		MaxBodySize: 16 << 20,
		MaxDepth:    xmlrpc.DefaultMaxDepth,
		MaxBatch:    jsonrpc.DefaultMaxBatch,
		MaxValues:   jsonrpc.DefaultMaxValues,
	}
}

// Server is the transport-neutral serving core: a Dispatcher and the codecs of every protocol,
// with the limits, the call timeout and the abandonment of handlers that overrun it. An HTTP
// server, a broker consumer or a test pipe hands it bodies; it hands back answers. It is safe for
// concurrent use.
type Server struct {
	d         Dispatcher
	codecs    []ServerCodec // XML-RPC first: the fallback for bodies no codec accepts
	timeout   time.Duration
	log       *slog.Logger
	abandoned atomic.Int64
}

// ErrInvalidServerConfig reports a ServerConfig that NewServer refuses.
var ErrInvalidServerConfig = errors.New("rpc: invalid server config")

// NewServer returns the serving core for d configured by cfg (nil means DefaultServerConfig()).
func NewServer(d Dispatcher, cfg *ServerConfig) (*Server, error) {
	if cfg == nil {
		cfg = DefaultServerConfig()
	}
	switch {
	case d == nil:
		return nil, fmt.Errorf("%w: nil Dispatcher", ErrInvalidServerConfig)
	case cfg.MaxBodySize <= 0 || cfg.MaxDepth <= 0 || cfg.MaxBatch <= 0 || cfg.MaxValues <= 0:
		return nil, fmt.Errorf("%w: MaxBodySize, MaxDepth, MaxBatch and MaxValues must be positive", ErrInvalidServerConfig)
	case cfg.CallTimeout < 0:
		return nil, fmt.Errorf("%w: negative CallTimeout", ErrInvalidServerConfig)
	case cfg.Dialect != xmlrpc.DialectStandard && cfg.Dialect != xmlrpc.DialectApache:
		return nil, fmt.Errorf("%w: unknown Dialect %d", ErrInvalidServerConfig, cfg.Dialect)
	}
	c := *cfg
	if c.ErrorCode == 0 {
		c.ErrorCode = DefaultErrorCode
		if r, ok := d.(*Registry); ok {
			c.ErrorCode = r.cfg.ErrorCode
		}
	}
	s := &Server{d: d, timeout: c.CallTimeout, log: c.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.codecs = []ServerCodec{newXMLServerCodec(&c), newJSONServerCodec(&c, s)}
	return s, nil
}

// Dispatcher returns the Dispatcher the server serves.
func (s *Server) Dispatcher() Dispatcher { return s.d }

// Codecs returns the server's codecs, XML-RPC's first.
func (s *Server) Codecs() []ServerCodec { return append([]ServerCodec(nil), s.codecs...) }

// Codec returns the codec named name ("xmlrpc", "jsonrpc"), or nil.
func (s *Server) Codec(name string) ServerCodec {
	for _, c := range s.codecs {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// Pick returns the codec among cs (nil or empty means all of the server's) that accepts a body
// of media type contentType (a Content-Type value, parameters allowed); when none does, the
// first of cs.
func (s *Server) Pick(cs []ServerCodec, contentType string, body []byte) ServerCodec {
	if len(cs) == 0 {
		cs = s.codecs
	}
	if len(cs) == 1 {
		return cs[0]
	}
	mt := MediaType(contentType)
	first := byte(0)
	for _, c := range body {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			first = c
			break
		}
	}
	for _, c := range cs {
		if c.Accepts(mt, first) {
			return c
		}
	}
	return cs[0]
}

// MediaType returns the lower-cased media type of a Content-Type value, without parameters.
func MediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// Abandoned returns the calls abandoned at their deadline whose handlers are still running: they
// hold resources no answer accounts for, so a transport that caps calls in flight counts them.
func (s *Server) Abandoned() int64 { return s.abandoned.Load() }
