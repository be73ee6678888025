package oslo

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/harp-rpc/harp/broker"
	"github.com/harp-rpc/harp/rpc"
)

// replyRetryEvery is how often a reply whose queue is missing is tried again (oslo's 0.25 s).
const replyRetryEvery = 250 * time.Millisecond

// handle runs one delivery: it refuses what oslo's server refuses, acks the message before
// running it (at most once, as oslo does), drops a duplicate, and replies to a call.
func (s *Server) handle(d amqp.Delivery) {
	defer func() {
		<-s.sem
		s.handlers.Done()
	}()
	if int64(len(d.Body)) > s.cfg.MaxBodySize {
		s.refuse(d, "body of "+strconv.Itoa(len(d.Body))+" bytes over the limit", nil)
		return
	}
	if d.ContentType != "application/json" {
		s.refuse(d, "content type "+strconv.Quote(d.ContentType)+" is not application/json", nil)
		return
	}
	req, err := ParseRequest(d.Body)
	if err != nil {
		s.refuse(d, "unreadable request", err)
		return
	}
	if err := d.Ack(false); err != nil {
		s.log.Warn("oslo: ack failed; the broker will deliver the message again", "method", req.Method, "err", err)
		return
	}
	if s.dd.seen(req.UniqueID) {
		s.log.Info("oslo: duplicate message dropped", "method", req.Method, "unique_id", req.UniqueID)
		return
	}
	if s.deliver != nil {
		s.handOver(req, d)
		return
	}
	ctx, cancel := s.callContext(req, d)
	defer cancel()
	result, failure := s.run(ctx, req)
	if !req.IsCall() {
		if failure != nil {
			s.log.Info("oslo: cast failed", "method", req.Method, "class", failure.Class, "message", failure.Message)
		}
		return
	}
	if dl, _ := ctx.Deadline(); s.late(req, dl) {
		return
	}
	_ = s.reply(req, &Reply{Result: result, Failure: failure, Ending: true, MsgID: req.MsgID, UniqueID: uuidHex()})
}

// refuse rejects d without requeueing it, as oslo does with a message it cannot read.
func (s *Server) refuse(d amqp.Delivery, why string, err error) {
	s.log.Warn("oslo: message rejected", "reason", why, "err", err, "routing_key", d.RoutingKey)
	_ = d.Reject(false)
}

// callContext returns the handler's context: the request context and request id the caller
// sent, bounded by the call's AMQP expiration (the caller waits no longer than that).
func (s *Server) callContext(req *Request, d amqp.Delivery) (context.Context, context.CancelFunc) {
	ctx := s.runCtx
	values := make(map[string]any, len(req.Context)+1)
	for k, v := range req.Context {
		values[k] = v
	}
	if req.MonitorTimeout > 0 {
		values["client_timeout"] = req.MonitorTimeout
	} else {
		values["client_timeout"] = nil
	}
	ctx = context.WithValue(ctx, requestContextKey{}, values)
	ctx = broker.WithContext(ctx, broker.RequestContext(values)) // for handlers written for package broker
	if id, ok := req.Context["request_id"].(string); ok && rpc.ValidRequestID(id) {
		ctx = rpc.WithRequestID(ctx, id)
	}
	if ms, err := strconv.ParseInt(d.Expiration, 10, 64); err == nil && ms > 0 {
		return context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
	}
	return context.WithCancel(ctx)
}

// run checks the request's namespace and version against the server's target and serves it,
// sending call-monitor heartbeats while it runs when the caller asked for them.
func (s *Server) run(ctx context.Context, req *Request) (json.RawMessage, *Failure) {
	if req.Namespace != s.cfg.Namespace || !versionServes(s.cfg.Version, req.Version) {
		return nil, unsupported(req)
	}
	if req.IsCall() && req.MonitorTimeout > 0 {
		stop := make(chan struct{})
		defer close(stop)
		go s.heartbeat(req, time.Duration(req.MonitorTimeout)*time.Second/2, stop)
	}
	return serveRequest(ctx, s.core, req)
}

// heartbeat sends an ending:false reply every interval until stop is closed, so that the
// caller's call monitor knows the call is still running.
func (s *Server) heartbeat(req *Request, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-s.runCtx.Done():
			return
		case <-t.C:
			body, err := AppendReply(nil, &Reply{Ending: false, MsgID: req.MsgID, UniqueID: uuidHex()})
			if err == nil {
				ctx, cancel := context.WithTimeout(s.runCtx, every)
				err = s.pub.publish(ctx, "", req.ReplyQueue, true, props(body, 0), nil)
				cancel()
			}
			if err != nil {
				s.log.Warn("oslo: heartbeat not sent", "method", req.Method, "msg_id", req.MsgID, "err", err)
			}
		}
	}
}

// reply publishes r to the call's reply queue through the default exchange, mandatory; while
// the queue is missing it is tried again every 250 ms for up to ReplyRetry. A reply that could
// not be delivered is logged, and its error returned.
func (s *Server) reply(req *Request, r *Reply) error {
	body, err := AppendReply(nil, r)
	if err != nil {
		body, _ = AppendReply(nil, &Reply{Failure: FailureFromFault(rpc.CodeInternalError, err.Error(), req.Method),
			Ending: true, MsgID: r.MsgID, UniqueID: r.UniqueID})
	}
	ctx, cancel := context.WithTimeout(s.runCtx, s.cfg.ReplyRetry+replyRetryEvery)
	defer cancel()
	for {
		err = s.pub.publish(ctx, "", req.ReplyQueue, true, props(body, 0), nil)
		var ue *UnroutableError
		if !errors.As(err, &ue) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(replyRetryEvery):
			continue
		}
		break
	}
	if err != nil {
		s.log.Warn("oslo: reply not delivered", "method", req.Method, "msg_id", req.MsgID, "reply_q", req.ReplyQueue, "err", err)
	}
	return err
}

// late reports whether the caller's deadline dl (from the call's expiration; zero when the call
// has none) has passed, and
// logs the reply it drops then: the caller has given up, as oslo.messaging's client drops a
// late reply, and the reply (most often the handler's own deadline error) would race the
// caller's timeout and could reach it first.
func (s *Server) late(req *Request, dl time.Time) bool {
	if dl.IsZero() || time.Now().Before(dl) {
		return false
	}
	s.log.Info("oslo: reply dropped: the caller's timeout passed", "method", req.Method, "msg_id", req.MsgID)
	return true
}
