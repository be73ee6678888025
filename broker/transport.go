package broker

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"sync"
)

// Transport is a connection to a message broker: what a transport package (NATS, AMQP)
// implements, and the Client and Server drive. Its methods are safe for concurrent use.
//
// Errors: Call returns *NoServerError when nobody serves the target (nothing was sent or run),
// *TimeoutError when ctx's deadline or m.Timeout passed before the answer came (whichever is
// first: the Client bounds a call by its timeout through m.Timeout alone), ctx's error when it
// was cancelled, and *TransportError for a broker failure. A fault is never an error here: it is an
// answer like any other, for the codec to read.
type Transport interface {
	// Call sends m to one server of t (t.Server's, when set) and appends its answer to dst.
	Call(ctx context.Context, t Target, m *Message, dst []byte) ([]byte, error)
	// Cast sends m to one server of t, t.Server, or every server of the topic when t.Fanout,
	// and returns once the broker has it (for a durable cast: has stored it), without waiting
	// for a server to run it. A non-durable cast to a target nobody serves returns
	// *NoServerError when the transport can tell, and is dropped otherwise.
	Cast(ctx context.Context, t Target, m *Message) error
	// Listen starts handing h the messages sent to cfg.Target: to its topic (shared with the
	// topic's other servers), to cfg.Target.Server by name, and fanned out to the topic; with
	// cfg.Durable, the topic's durable casts too. h may be called from several goroutines at
	// once and may block, which holds back further deliveries. Listen returns once the
	// subscriptions are in place.
	Listen(ctx context.Context, cfg ListenConfig, h Handler) (Listener, error)
	// Close closes the connection; calls in progress fail, listeners stop.
	Close() error
}

// Handler receives one delivery; it must call d.Done exactly once, now or later.
type Handler func(d *Delivery)

// ListenConfig says what a Listener takes.
type ListenConfig struct {
	// Target is the server's own: its Topic (and Exchange), and its Server name, which must not
	// be empty. Fanout is ignored.
	Target Target
	// MaxInFlight is how many deliveries the server runs at once: a transport may take that
	// many ahead from the broker (AMQP's prefetch, JetStream's max ack pending), no more.
	MaxInFlight int
	// Durable also takes the topic's durable casts.
	Durable bool
}

// Listener is a transport's subscription for a server.
type Listener interface {
	// Stop stops deliveries: once it returns, h is not called again, and what the broker holds
	// for the topic goes to its other servers. Deliveries already handed out may still be
	// Done. It is bounded by ctx, and harmless to call twice.
	Stop(ctx context.Context) error
}

// DialFunc connects to the broker at u, a URL of the scheme it was registered under.
type DialFunc func(ctx context.Context, u *url.URL) (Transport, error)

var (
	schemesMu sync.RWMutex
	schemes   = map[string]DialFunc{}
)

// RegisterScheme makes Dial connect to URLs of scheme with dial; transport packages call it
// from init ("nats", "amqp"). It panics when scheme is registered twice.
func RegisterScheme(scheme string, dial DialFunc) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	if _, dup := schemes[scheme]; dup {
		panic("broker: scheme registered twice: " + scheme)
	}
	schemes[scheme] = dial
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	var s []string
	for k := range schemes {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Dial connects to the broker at rawURL through the transport registered for its scheme (the
// transport's package must be imported). It fails with an error wrapping ErrUnsupported for
// an unknown scheme.
func Dial(ctx context.Context, rawURL string) (Transport, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("broker: %w", err)
	}
	schemesMu.RLock()
	dial := schemes[u.Scheme]
	schemesMu.RUnlock()
	if dial == nil {
		return nil, fmt.Errorf("%w: scheme %q (registered: %v)", ErrUnsupported, u.Scheme, Schemes())
	}
	return dial(ctx, u)
}
