package oslo

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/rpc"
)

// Server serves an rpc serving core to oslo.messaging callers on one target: it consumes the
// topic's queue (calls the broker balances over the topic's servers), its own "topic.server"
// queue (prepare(server=...)) and a fresh fanout queue (fanout casts), declared exactly as oslo
// declares them, and answers each call on the caller's reply queue.
type Server struct {
	cfg  Config
	core *rpc.Server
	// deliver, instead of core, takes the requests when the server is a broker.Listener.
	deliver broker.Handler
	lookup  any                    // what tells deliver's bodies a method's parameters (an *rpc.Registry), or nil
	kinds   map[string]broker.Kind // by consumer tag
	log     *slog.Logger
	listen  *amqp.Connection
	send    *amqp.Connection
	ch      *amqp.Channel
	pub     *publisher
	fanout  string
	tags    []string

	sem       chan struct{}
	handlers  sync.WaitGroup
	consumers sync.WaitGroup
	dd        dedupe
	runCtx    context.Context // ends at Close: running handlers' contexts, reply retries
	abort     context.CancelFunc

	stopOnce sync.Once
	stopping chan struct{} // closed when a stop begins: no delivery is taken after it
	done     chan struct{}
	mu       sync.Mutex
	err      error
}

// Listen connects to the broker at url (amqp://user:pass@host:port/vhost), declares the
// target's exchanges and queues and starts serving core on them; it returns once the consumers
// are registered, or fails within ctx. cfg nil means DefaultConfig("harp").
func Listen(ctx context.Context, url string, core *rpc.Server, cfg *Config) (*Server, error) {
	if cfg == nil {
		cfg = DefaultConfig("harp")
	}
	if err := VerifyConfig(cfg); err != nil {
		return nil, err
	}
	if core == nil {
		return nil, fmt.Errorf("%w: nil serving core", ErrInvalidConfig)
	}
	return startServer(ctx, url, &Server{cfg: *cfg, core: core})
}

// startServer starts s, whose cfg and either core or deliver are set.
func startServer(ctx context.Context, url string, s *Server) (*Server, error) {
	if err := checkURL(url); err != nil {
		return nil, err
	}
	s.log, s.sem = s.cfg.Logger, make(chan struct{}, s.cfg.MaxInFlight)
	s.stopping, s.done = make(chan struct{}), make(chan struct{})
	if s.log == nil {
		s.log = slog.Default()
	}
	s.runCtx, s.abort = context.WithCancel(context.Background())
	if err := s.start(ctx, url); err != nil {
		s.closeConns()
		s.abort()
		return nil, err
	}
	go s.watch()
	return s, nil
}

// start opens the connections and channels, declares the topology and registers the consumers.
func (s *Server) start(ctx context.Context, url string) error {
	var err error
	if s.listen, err = dial(ctx, url, s.cfg.Heartbeat, "listen"); err != nil {
		return err
	}
	if s.send, err = dial(ctx, url, s.cfg.Heartbeat, "send"); err != nil {
		return err
	}
	if s.pub, err = newPublisher(s.send, 4, nil); err != nil {
		return err
	}
	if s.ch, err = s.listen.Channel(); err != nil {
		return &TransportError{Op: "open channel", Err: err}
	}
	queues, err := s.declare()
	if err != nil {
		return err
	}
	if err := s.ch.Qos(s.cfg.MaxInFlight, 0, false); err != nil {
		return &TransportError{Op: "qos", Err: err}
	}
	s.kinds = make(map[string]broker.Kind, len(queues))
	for i, q := range queues {
		tag := "harp-" + uuidHex()
		s.kinds[tag] = broker.KindCast
		if i == len(queues)-1 {
			s.kinds[tag] = broker.KindFanout
		}
		ds, err := s.ch.Consume(q, tag, false, false, false, false, nil)
		if err != nil {
			return &TransportError{Op: "consume " + q, Err: err}
		}
		s.tags = append(s.tags, tag)
		s.consumers.Add(1)
		go s.consume(ds)
	}
	return nil
}

// declare declares what oslo's server declares and returns the queues to consume: the topic
// exchange with the topic and server queues bound by their names, and the topic's fanout
// exchange with a fresh fanout queue.
func (s *Server) declare() ([]string, error) {
	topic := s.cfg.Topic
	server := ServerQueue(topic, s.cfg.Server)
	s.fanout = newFanoutQueue(topic)
	steps := []struct {
		what string
		do   func() error
	}{
		{"exchange " + s.cfg.Exchange, func() error { return declareTopicExchange(s.ch, s.cfg.Exchange) }},
		{"queue " + topic, func() error { return declareQueue(s.ch, topic, 0) }},
		{"binding " + topic, func() error { return s.ch.QueueBind(topic, topic, s.cfg.Exchange, false, nil) }},
		{"queue " + server, func() error { return declareQueue(s.ch, server, 0) }},
		{"binding " + server, func() error { return s.ch.QueueBind(server, server, s.cfg.Exchange, false, nil) }},
		{"exchange " + FanoutExchange(topic), func() error { return declareFanoutExchange(s.ch, FanoutExchange(topic)) }},
		{"queue " + s.fanout, func() error { return declareQueue(s.ch, s.fanout, s.cfg.QueueTTL) }},
		{"binding " + s.fanout, func() error { return s.ch.QueueBind(s.fanout, topic, FanoutExchange(topic), false, nil) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return nil, &TransportError{Op: "declare " + st.what, Err: err}
		}
	}
	return []string{topic, server, s.fanout}, nil
}

// consume takes deliveries while a slot is free; each runs in a goroutine of its own. Once a
// stop began, what arrives is handed back to the broker (requeued for the other servers).
func (s *Server) consume(ds <-chan amqp.Delivery) {
	defer s.consumers.Done()
	for d := range ds {
		select {
		case <-s.stopping:
			_ = d.Nack(false, true)
			continue
		default:
		}
		select {
		case s.sem <- struct{}{}:
		case <-s.stopping:
			_ = d.Nack(false, true)
			continue
		}
		s.handlers.Add(1)
		go s.handle(d)
	}
}

// FanoutQueue returns the name of the server's fanout queue.
func (s *Server) FanoutQueue() string { return s.fanout }

// Done is closed once the server has stopped: Shutdown, Close, or the broker connection lost.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns why the server stopped: nil after Shutdown or Close, the connection's error when
// the broker closed it.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// watch stops the server when the listening connection closes under it.
func (s *Server) watch() {
	closed := s.listen.NotifyClose(make(chan *amqp.Error, 1))
	select {
	case err, ok := <-closed:
		if ok && err != nil {
			s.mu.Lock()
			s.err = &TransportError{Op: "listen", Sent: true, Err: err}
			s.mu.Unlock()
			s.log.Error("oslo: broker connection lost", "topic", s.cfg.Topic, "err", err)
		}
		s.abort()
		s.stop(context.Background())
	case <-s.done:
	}
}

// Shutdown stops taking messages (the broker requeues those not yet taken), lets the calls it
// took finish and reply, deletes the fanout queue and closes the connections. When ctx ends
// first, the calls still running are abandoned as by Close and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error { return s.stop(ctx) }

// Close stops at once: running calls get a cancelled context and their replies are not retried.
func (s *Server) Close() error {
	s.abort()
	return s.stop(context.Background())
}

func (s *Server) stop(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		close(s.stopping)
		for _, tag := range s.tags {
			_ = s.ch.Cancel(tag, false)
		}
		finished := make(chan struct{})
		go func() {
			s.consumers.Wait()
			s.handlers.Wait()
			close(finished)
		}()
		select {
		case <-finished:
		case <-ctx.Done():
			err = ctx.Err()
			s.abort()
			select {
			case <-finished:
			case <-time.After(5 * time.Second):
			}
		}
		if s.fanout != "" && !s.ch.IsClosed() {
			if _, derr := s.ch.QueueDelete(s.fanout, false, false, false); derr != nil {
				s.log.Warn("oslo: fanout queue not deleted", "queue", s.fanout, "err", derr)
			}
		}
		s.abort()
		s.closeConns()
		close(s.done)
	})
	if err == nil {
		<-s.done
	}
	return err
}

func (s *Server) closeConns() {
	if s.pub != nil {
		s.pub.close()
	}
	for _, c := range []*amqp.Connection{s.listen, s.send} {
		if c != nil {
			_ = c.Close()
		}
	}
}
