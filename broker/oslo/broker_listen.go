package oslo

import (
	"context"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/rpc"
)

// handOver gives req to the broker.Handler as a Delivery whose body is the JSON-RPC request the
// serving core runs, and waits until the delivery is Done (or the server closes), sending
// call-monitor heartbeats meanwhile when the caller asked for them.
func (s *Server) handOver(req *Request, d amqp.Delivery) {
	kind := s.kinds[d.ConsumerTag]
	if req.IsCall() {
		kind = broker.KindCall
	}
	body, err := jsonrpcBody(nil, s.lookup, req)
	if err != nil {
		if req.IsCall() {
			s.reply(req, &Reply{Failure: FailureFromFault(rpc.CodeInvalidParams, err.Error(), req.Method),
				Ending: true, MsgID: req.MsgID, UniqueID: uuidHex()})
		}
		return
	}
	m := broker.Message{Protocol: "jsonrpc", Method: req.Method, Body: body, Context: broker.RequestContext(req.Context)}
	if id, ok := req.Context["request_id"].(string); ok && rpc.ValidRequestID(id) {
		m.RequestID = id
	}
	var deadline time.Time // the caller's, from the call's expiration; zero without one
	if ms, err := strconv.ParseInt(d.Expiration, 10, 64); err == nil && ms > 0 {
		m.Timeout = time.Duration(ms) * time.Millisecond
		deadline = time.Now().Add(m.Timeout)
	}
	finished := make(chan struct{})
	var once sync.Once
	delivery := &broker.Delivery{Message: m, Kind: kind, Attempt: 1}
	delivery.Done = func(answer []byte, _ error) error {
		var err error
		once.Do(func() {
			defer close(finished)
			if kind == broker.KindCall && !s.late(req, deadline) {
				result, failure := readAnswer(answer, req.Method)
				err = s.reply(req, &Reply{Result: result, Failure: failure, Ending: true, MsgID: req.MsgID, UniqueID: uuidHex()})
			}
		})
		return err
	}
	if kind == broker.KindCall && req.MonitorTimeout > 0 {
		stop := make(chan struct{})
		defer close(stop)
		go s.heartbeat(req, time.Duration(req.MonitorTimeout)*time.Second/2, stop)
	}
	if req.Namespace != s.cfg.Namespace || !versionServes(s.cfg.Version, req.Version) {
		if kind == broker.KindCall {
			_ = s.reply(req, &Reply{Failure: unsupported(req), Ending: true, MsgID: req.MsgID, UniqueID: uuidHex()})
		}
		return
	}
	s.deliver(delivery)
	select {
	case <-finished:
	case <-s.runCtx.Done():
	}
}

// listener is a Server run as a broker.Listener.
type listener struct{ s *Server }

// Stop stops taking messages and waits, within ctx, for the deliveries handed out to be Done.
func (l listener) Stop(ctx context.Context) error { return l.s.Shutdown(ctx) }
