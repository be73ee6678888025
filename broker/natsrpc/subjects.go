package natsrpc

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/harp-rpc/harp/broker"
)

// Subject kinds: the token after the exchange says how a message is addressed, so a topic may
// itself be dotted.
const (
	kindPool   = "q"   // one server of the topic: a queue group
	kindServer = "s"   // one named server: s.<server>.<topic>
	kindFanout = "f"   // every server of the topic
	kindDur    = "d"   // durable casts, in the work-queue stream
	kindDLQ    = "dlq" // dead letters, in their own stream
	queueGroup = "q"
)

// names derives the subjects of a target.
type names struct{ prefix, exchange string }

func (n names) exchangeOf(t broker.Target) string {
	if t.Exchange != "" {
		return t.Exchange
	}
	return n.exchange
}

func (n names) subject(kind string, t broker.Target) string {
	var b strings.Builder
	b.Grow(len(n.prefix) + len(t.Topic) + len(t.Server) + 24)
	b.WriteString(n.prefix)
	b.WriteByte('.')
	b.WriteString(n.exchangeOf(t))
	b.WriteByte('.')
	b.WriteString(kind)
	b.WriteByte('.')
	if kind == kindServer {
		b.WriteString(t.Server)
		b.WriteByte('.')
	}
	b.WriteString(t.Topic)
	return b.String()
}

// sendSubject is where a call or cast to t goes.
func (n names) sendSubject(t broker.Target) string {
	switch {
	case t.Fanout:
		return n.subject(kindFanout, t)
	case t.Server != "":
		return n.subject(kindServer, t)
	}
	return n.subject(kindPool, t)
}

// stream names the work-queue stream of t's exchange; dlqStream its dead letters'.
func (n names) stream(t broker.Target) string {
	return strings.ToUpper(safeName(n.prefix + "_" + n.exchangeOf(t)))
}

func (n names) dlqStream(t broker.Target) string { return n.stream(t) + "_DLQ" }

// wildcard is the stream's subject filter for kind in t's exchange.
func (n names) wildcard(kind string, t broker.Target) string {
	return n.prefix + "." + n.exchangeOf(t) + "." + kind + ".>"
}

// consumer names the durable consumer of t's topic: its topic with dots made underscores,
// and a hash of the topic so that "a.b" and "a_b" differ.
func (n names) consumer(t broker.Target) string {
	h := sha256.Sum256([]byte(t.Topic))
	return safeName(t.Topic) + "-" + hex.EncodeToString(h[:4])
}

// safeName keeps letters, digits, '-' and '_' of s, and makes anything else an underscore, as
// JetStream's stream and consumer names need.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
