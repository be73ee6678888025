// Package metrics exposes harp's figures in Prometheus' format through
// github.com/prometheus/client_golang. It reads what the library packages already report (the
// gateway's Status and Observer, which carry cluster.Stats and its events); no package below
// imports it, so a program that wants no Prometheus links none.
//
// A Gateway is both a gateway.Observer (give it as gateway.Options.Observer) and, once attached
// to the running gateway, a collector of its pools and backends read at each scrape:
//
//	family                                         type       labels
//	harp_gateway_requests_total                    counter    route, pool, method, outcome
//	harp_gateway_request_duration_seconds          histogram  route, pool, method
//	harp_gateway_pool_calls_total                  counter    pool
//	harp_gateway_pool_retries_total                counter    pool
//	harp_gateway_pool_in_flight                    gauge      pool
//	harp_gateway_pool_overloads_total              counter    pool
//	harp_gateway_backend_up                        gauge      pool, backend
//	harp_gateway_backend_state                     gauge      pool, backend, state (1 for the current)
//	harp_gateway_backend_calls_total               counter    pool, backend
//	harp_gateway_backend_failures_total            counter    pool, backend
//	harp_gateway_backend_attempts_total            counter    pool, backend, outcome (below)
//	harp_gateway_backend_in_flight                 gauge      pool, backend
//	harp_gateway_backend_weight                    gauge      pool, backend
//	harp_gateway_backend_ejections_total           counter    pool, backend
//	harp_gateway_backend_availability_ratio        gauge      pool, backend
//	harp_gateway_backend_mtbf_seconds              gauge      pool, backend
//	harp_gateway_backend_mttr_seconds              gauge      pool, backend
//	harp_gateway_backend_latency_seconds           gauge      pool, backend, quantile (0.5, 0.99)
//	harp_gateway_reloads_total                     counter    result (ok, refused)
//	harp_gateway_refused_conns_total               counter    (connections over the limits)
//
// Outcomes are gateway.Outcome's: ok, fault, error, timeout, overload, refused; a backend's
// attempts are counted by cluster.Outcome instead (success, cancelled, fault, not_sent, timeout,
// status, failure), so a call retried on another backend counts once per backend tried; a
// forwarded call's answer is passed on whole, so a backend's fault answer counts there as a
// success (it answered) and as a fault in harp_gateway_requests_total. The method
// label is bounded: the first MaxMethods distinct names that a route took get a label of their
// own; every other name, and every call the gateway refused (malformed, unroutable), counts as
// "other", so a caller sending random names cannot grow the series without bound.
//
// A Server does the same for a plain harp server: it is a server.Observer (give it as
// server.Config.Observer) and, once attached to the server, a collector of its gauges:
//
//	family                                         type       labels
//	harp_server_requests_total                     counter    protocol, method, outcome
//	harp_server_request_duration_seconds           histogram  protocol, method
//	harp_server_in_flight                          gauge      (calls being served, abandoned ones included)
//	harp_server_memory_used_bytes                  gauge      (bytes of the memory budget reserved)
//	harp_server_refused_conns_total                counter    (connections over the limits)
//
// Outcomes are server.Outcome's: ok, fault, timeout, overload, refused; the protocol is xmlrpc
// or jsonrpc. The method label is bounded the same way: a JSON-RPC batch counts as "batch", and
// a refused request, a body that did not parse and a name the server answered with
// method-not-found count as "other" without taking one of the MaxMethods labels. A call
// abandoned at its deadline counts under its method, with the outcome timeout.
package metrics
