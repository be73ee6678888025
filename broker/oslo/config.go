package oslo

import (
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	// Exchange is the topic exchange the server's queues are bound to (oslo's control_exchange).
	Exchange string
	// Topic is the target's topic; Server the server's name within it (oslo's host), which
	// gives it the queue "topic.server" for prepare(server=...) calls.
	Topic  string
	Server string
	// Namespace and Version are the endpoint's target: a request naming another namespace, or a
	// version of another major or a higher minor, is answered UnsupportedVersion.
	Namespace string
	Version   string
	// MaxInFlight bounds the calls run at once; it is also the consumers' prefetch, so that a
	// busy server leaves further messages to the other servers of the topic.
	MaxInFlight int
	// MaxBodySize is the largest message body read; a larger one is rejected unread.
	MaxBodySize int64
	// ReplyRetry bounds how long a reply whose queue is missing is retried, every 250 ms
	// (oslo's kombu_missing_consumer_retry_timeout).
	ReplyRetry time.Duration
	// QueueTTL is the x-expires of the fanout queue (rabbit_transient_queues_ttl).
	QueueTTL time.Duration
	// Heartbeat is the AMQP heartbeat asked for.
	Heartbeat time.Duration
	// Logger receives the messages refused and the replies that could not be delivered.
	Logger *slog.Logger
}

// DefaultConfig returns oslo.messaging's defaults for topic: exchange "openstack", the host
// name as server, version "1.0", 64 calls at once, 16 MiB bodies, 60 s reply retry, 30 min
// queue expiry, 60 s heartbeat.
func DefaultConfig(topic string) *Config {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "harp"
	}
	return &Config{
		Exchange:    DefaultExchange,
		Topic:       topic,
		Server:      host,
		Version:     "1.0",
		MaxInFlight: 64,
		MaxBodySize: 16 << 20,
		ReplyRetry:  60 * time.Second,
		QueueTTL:    DefaultQueueTTL,
		Heartbeat:   DefaultHeartbeat,
	}
}

// VerifyConfig reports what makes c unusable, wrapping ErrInvalidConfig.
func VerifyConfig(c *Config) error {
	switch {
	case c == nil:
		return fmt.Errorf("%w: nil Config", ErrInvalidConfig)
	case c.Exchange == "" || c.Topic == "" || c.Server == "":
		return fmt.Errorf("%w: exchange, topic and server must be set", ErrInvalidConfig)
	case !validVersion(c.Version):
		return fmt.Errorf("%w: version %q is not X.Y", ErrInvalidConfig, c.Version)
	case c.MaxInFlight < 1 || c.MaxInFlight > 65535:
		return fmt.Errorf("%w: MaxInFlight %d not in 1..65535", ErrInvalidConfig, c.MaxInFlight)
	case c.MaxBodySize < 1:
		return fmt.Errorf("%w: MaxBodySize must be positive", ErrInvalidConfig)
	case c.ReplyRetry < 0 || c.QueueTTL < time.Second || c.Heartbeat < 0:
		return fmt.Errorf("%w: negative durations or a QueueTTL under 1s", ErrInvalidConfig)
	}
	return nil
}

// ClientConfig configures a Client. Start from DefaultClientConfig.
type ClientConfig struct {
	// Target is what calls go to unless Prepare overrides it; its Topic must be set.
	Target Target
	// Timeout bounds each call when its context has no earlier deadline (oslo's
	// rpc_response_timeout); it is also the call's AMQP expiration, so that a call nobody took
	// in time is dropped by the broker rather than run late.
	Timeout time.Duration
	// MonitorTimeout, when positive, asks the server for call-monitor heartbeats every half of
	// it (_timeout, whole seconds, at least 2) and fails a call that hears nothing for that long.
	MonitorTimeout time.Duration
	// Mandatory publishes calls and casts mandatory, so that a topic (or server) with no queue
	// fails at once with an *UnroutableError instead of a timeout (oslo's at_least_once).
	Mandatory bool
	// Publishers is the number of confirm-mode channels publishes share.
	Publishers int
	// MaxBodySize is the largest reply body read.
	MaxBodySize int64
	// QueueTTL is the reply queue's x-expires.
	QueueTTL time.Duration
	// Heartbeat is the AMQP heartbeat asked for.
	Heartbeat time.Duration
	// AppCode is the fault code of a remote exception that maps to none (see Failure.Code).
	AppCode int
	// Logger receives the replies that could not be read. nil means slog.Default().
	Logger *slog.Logger
}

// Target names where a message goes, as oslo.messaging's Target: an exchange, a topic, one
// server of it or all of them (Fanout), and the namespace and version the endpoint must have.
type Target struct {
	Exchange  string
	Topic     string
	Server    string
	Fanout    bool
	Namespace string
	Version   string
}

// DefaultClientConfig returns oslo.messaging's defaults for topic: exchange "openstack", 60 s
// timeout, no call monitor, mandatory publishes, 4 publishing channels, 16 MiB replies, 30 min
// reply queue expiry, 60 s heartbeat, application fault code 1.
func DefaultClientConfig(topic string) *ClientConfig {
	return &ClientConfig{
		Target:      Target{Exchange: DefaultExchange, Topic: topic},
		Timeout:     60 * time.Second,
		Mandatory:   true,
		Publishers:  4,
		MaxBodySize: 16 << 20,
		QueueTTL:    DefaultQueueTTL,
		Heartbeat:   DefaultHeartbeat,
		AppCode:     1,
	}
}

// VerifyClientConfig reports what makes c unusable, wrapping ErrInvalidConfig.
func VerifyClientConfig(c *ClientConfig) error {
	switch {
	case c == nil:
		return fmt.Errorf("%w: nil ClientConfig", ErrInvalidConfig)
	case c.Target.Exchange == "" || c.Target.Topic == "":
		return fmt.Errorf("%w: the target's exchange and topic must be set", ErrInvalidConfig)
	case c.Target.Version != "" && !validVersion(c.Target.Version):
		return fmt.Errorf("%w: version %q is not X.Y", ErrInvalidConfig, c.Target.Version)
	case c.Timeout <= 0:
		return fmt.Errorf("%w: Timeout must be positive", ErrInvalidConfig)
	case c.MonitorTimeout != 0 && c.MonitorTimeout < 2*time.Second:
		return fmt.Errorf("%w: MonitorTimeout is 0 or at least 2s", ErrInvalidConfig)
	case c.Publishers < 1 || c.Publishers > 256:
		return fmt.Errorf("%w: Publishers %d not in 1..256", ErrInvalidConfig, c.Publishers)
	case c.MaxBodySize < 1 || c.QueueTTL < time.Second || c.Heartbeat < 0:
		return fmt.Errorf("%w: MaxBodySize, QueueTTL or Heartbeat out of range", ErrInvalidConfig)
	}
	return nil
}

// validVersion reports whether v is "X.Y" with non-negative integers.
func validVersion(v string) bool {
	_, _, ok := parseVersion(v)
	return ok
}
