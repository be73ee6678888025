package supervisord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harp-rpc/harp/client"
)

// Config configures a Client. Make one with DefaultConfig and change what differs.
type Config struct {
	// Username and Password are sent with Basic auth when Username is not empty (supervisord's
	// [inet_http_server] or [unix_http_server] username and password).
	Username string
	Password string
	// Timeout bounds every call made under a context without an earlier deadline.
	Timeout time.Duration
	// DialTimeout bounds connecting to supervisord.
	DialTimeout time.Duration
	// MaxLogRead is the most bytes one log read or tail may ask for; longer requests are
	// refused before they are sent.
	MaxLogRead int
	// Options are passed to client.New after the ones the fields above make.
	Options []client.Option
}

// DefaultConfig returns the configuration New uses when given nil: no credentials, 30-second
// calls, 5-second connects, log reads of at most 1 MiB.
func DefaultConfig() *Config {
	return &Config{Timeout: 30 * time.Second, DialTimeout: 5 * time.Second, MaxLogRead: 1 << 20}
}

// Verify reports a configuration New cannot use.
func (c *Config) Verify() error {
	switch {
	case c.Timeout < 0 || c.DialTimeout < 0:
		return errors.New("supervisord: Timeout and DialTimeout must not be negative")
	case c.MaxLogRead <= 0:
		return errors.New("supervisord: MaxLogRead must be positive")
	case c.Username == "" && c.Password != "":
		return errors.New("supervisord: a Password needs a Username")
	}
	return nil
}

// Client calls one supervisord's XML-RPC interface with typed arguments and results. Its methods
// are named as supervisord's are (supervisor.getProcessInfo is GetProcessInfo). A fault is
// returned as a *Fault; any other error is a failure to reach supervisord or to read its answer
// (the client package's *TransportError, *StatusError or *ResponseError, wrapped with the
// method's name). A Client is safe for any number of goroutines at once.
type Client struct {
	rpc        *client.Client
	maxLogRead int
}

// New returns a Client of the supervisord at rawURL: http://host:9001/RPC2, https://... or
// unix:///var/run/supervisor.sock (whose requests go to /RPC2). cfg nil means DefaultConfig().
func New(rawURL string, cfg *Config) (*Client, error) {
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Verify(); err != nil {
		return nil, err
	}
	var opts []client.Option
	if cfg.Username != "" {
		opts = append(opts, client.WithBasicAuth(cfg.Username, cfg.Password))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, client.WithTimeout(cfg.Timeout))
	}
	if cfg.DialTimeout > 0 {
		opts = append(opts, client.WithDialTimeout(cfg.DialTimeout))
	}
	c, err := client.New(rawURL, append(opts, cfg.Options...)...)
	if err != nil {
		return nil, fmt.Errorf("supervisord: %w", err)
	}
	return &Client{rpc: c, maxLogRead: cfg.MaxLogRead}, nil
}

// RPC returns the underlying XML-RPC client, for calls this package does not type (an extra
// rpcinterface's methods).
func (c *Client) RPC() *client.Client { return c.rpc }

// URL returns the URL the Client calls, without credentials.
func (c *Client) URL() string { return c.rpc.URL() }

// Close releases the Client's idle connections; calls made after it fail.
func (c *Client) Close() error { return c.rpc.Close() }

// call calls method and converts a fault into a *Fault.
func (c *Client) call(ctx context.Context, method string, reply any, args ...any) error {
	return asFault(method, c.rpc.Call(ctx, method, reply, args...))
}

// callTrue calls a method that answers true on success.
func (c *Client) callTrue(ctx context.Context, method string, args ...any) error {
	var ok bool
	if err := c.call(ctx, method, &ok, args...); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("supervisord: %s answered false", method)
	}
	return nil
}

// callResults calls a method that answers one ProcessResult per process.
func (c *Client) callResults(ctx context.Context, method string, args ...any) ([]ProcessResult, error) {
	var rs []ProcessResult
	if err := c.call(ctx, method, &rs, args...); err != nil {
		return nil, err
	}
	return rs, nil
}

// checkRead refuses a read supervisord would not bound: offset >= 0 needs 1 <= length <= the
// limit; a negative offset needs length 0 and -offset within the limit.
func (c *Client) checkRead(method string, offset, length int) error {
	if offset < 0 {
		if length != 0 || -offset > c.maxLogRead {
			return fmt.Errorf("supervisord: %s: a negative offset needs length 0 and -offset at most %d (Config.MaxLogRead)", method, c.maxLogRead)
		}
		return nil
	}
	if length == 0 {
		return fmt.Errorf("supervisord: %s: length 0 would read the whole log; give a length up to %d", method, c.maxLogRead)
	}
	return c.checkLength(method, length)
}

// checkLength refuses a log read longer than the configured limit.
func (c *Client) checkLength(method string, length int) error {
	if length < 0 || length > c.maxLogRead {
		return fmt.Errorf("supervisord: %s: length %d outside 0..%d (Config.MaxLogRead)", method, length, c.maxLogRead)
	}
	return nil
}
