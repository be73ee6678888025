// Package broker is harp's RPC over a message broker, in oslo.messaging's model: a Transport
// (a broker connection: NATS in broker/natsrpc, AMQP elsewhere), a Target (exchange, topic,
// server, fanout), a Server that serves an rpc registry on a target, and a Client that calls,
// casts and fans out to one. A client does not choose a server (the broker spreads calls over
// a topic's servers), a call nobody can take fails at once as not sent, and adding servers
// touches no client.
//
//	oslo.messaging                      harp
//	Transport (transport_url)           Transport; Dial("nats://...") once its package is imported
//	Target(exchange, topic, server)     Target{Exchange, Topic, Server, Fanout}
//	RPCClient.call                      Client.Call, CallNamed, RPC() for every call shape
//	RPCClient.cast                      Client.Cast (durable with ClientConfig.Durable)
//	prepare(fanout=True).cast           Client.Fanout, or Prepare{Fanout: true}
//	prepare(server=, timeout=)          Client.Prepare(Prepare{Server:, Timeout:})
//	endpoints + dispatcher              an rpc.Dispatcher (*rpc.Registry) served by Server
//	executor_thread_pool_size           ServerConfig.MaxInFlight
//	server.stop(); server.wait()        Server.Stop(ctx)
//	request context (ctxt dict)         WithContext / ContextFrom (RequestContext)
//	MessagingTimeout                    *TimeoutError (Timeout() true)
//	(no server on the topic)            *NoServerError (NotSent() true)
//	RemoteError                         the wire format's fault, see AsFault
//
// The payload of every message is a harp protocol document (XML-RPC or JSON-RPC, named in
// Message.Protocol), so the server runs it through the same serving core (rpc.Server) as the
// HTTP server, with the same limits and value mappings, and a *Client is an rpc.Transport:
// the cluster package and a gateway drive it like an HTTP endpoint.
//
// A call is sent once and never retried by this package: its errors say structurally, as
// cluster.Classify reads them, whether it may have run. A cast's answer is discarded; a cast
// whose method faults is, when durable, redelivered up to the transport's bound and then
// dead-lettered.
package broker
