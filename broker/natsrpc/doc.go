// Package natsrpc is the NATS transport of package broker: harp's RPC over NATS request/reply,
// with durable casts on JetStream. Import it for its side effect to make broker.Dial take
// nats:// URLs, or use Dial and New directly. A single embedded server (package natsd) or a
// real NATS cluster serve it alike.
//
// # Subjects
//
// Every subject starts with Config.Prefix and the target's exchange (Config.Exchange when the
// target names none); the next token says how the message is addressed, so a topic may itself
// be dotted:
//
//	what                         subject                           NATS
//	call or cast to the topic    P.E.q.<topic>                     queue group "q": one server
//	call or cast to a server     P.E.s.<server>.<topic>            that server's subscription
//	fanout cast                  P.E.f.<topic>                     every server of the topic
//	durable cast                 P.E.d.<topic>                     stream P_E (work queue)
//	dead letter                  P.E.dlq.<topic>                   stream P_E_DLQ (limits)
//
// A call is a NATS request: "no responders" (nobody subscribed) fails at once with a
// *broker.NoServerError, which counts as not sent; no answer before the context's deadline, or
// the message's Timeout (the client's timeout), is a *broker.TimeoutError. A call whose context
// nothing can cancel waits on nats.go's pooled timer, so it makes no context of its own. A plain cast is a publish, and is dropped unseen when nobody
// subscribes.
//
// # Messages
//
// The body is the harp protocol document itself, XML-RPC or JSON-RPC, named in the
// Harp-Protocol header, so the server's serving core answers it unchanged. Headers carry the
// method (Harp-Method), the time the caller has left (Harp-Timeout), the request id
// (X-Request-Id) and the request context (Harp-Context, a JSON object of at most
// Config.MaxContextSize bytes). The answer is the encoded response, a fault included.
//
// # Servers
//
// A listener subscribes and answers on a connection of its own, opened with the main
// connection's options by the first Listen, so a transport that both serves and calls keeps
// the two apart. Its subscriptions feed one channel, holding at most 65,536 messages (beyond,
// NATS drops them as a slow consumer's and their callers time out), that a pool of workers reads
// (pool.go); each runs its delivery inline (broker.Delivery.Inline), so a call costs as few
// hand-offs as a plain nats.go responder's. The pool keeps as few workers as keep up: one while
// calls are short (every parked worker is one more the next message may wake: 128 of them cost
// about 40% more CPU per call than 2 at 16 callers), more, up to MaxInFlight, when those running
// are all held by deliveries begun two 1 ms ticks ago or more while messages wait; a worker
// that finds another idle when it is done retires. A slow call holds its own worker, and the
// messages behind it for a tick or two.
//
// # Durable casts
//
// A durable cast (broker.Message.Durable) is published to the exchange's work-queue stream,
// created on first use by a client or a server, with a message id: retries of the publish
// (a node lost under it) are stored once. The topic's servers share one durable pull consumer;
// each pulls no more than its MaxInFlight ahead. A cast is acknowledged (double-acked) after
// its method ran; a fault has it redelivered after Config.Backoff, and a server that dies
// running it has it redelivered after Config.AckWait. At its MaxDeliver-th failed delivery,
// or when it comes round again past that bound, the message is stored on the topic's
// dead-letter subject with Harp-Error, Harp-Deliveries and Harp-Subject headers, then removed
// from the work queue: it never loops forever and never vanishes. A server stopping hands
// casts it has not begun back at once.
//
// A cast that runs longer than AckWait is reported in progress every half AckWait, so it is
// neither delivered to another server meanwhile nor dead-lettered. An acknowledgement that does
// not get through (a node lost under the server, or under the consumer's leader until another
// is elected) is tried again, the cast still reported in progress, for up to AckWait. A
// transport remembers the message ids of the last 16,384 casts its servers ran: one delivered
// again because its acknowledgement was lost all the same is acknowledged without running
// twice. The window left is such a redelivery reaching another server.
package natsrpc
