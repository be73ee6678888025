package oslo

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DefaultExchange is oslo.messaging's control_exchange, the topic exchange calls and casts go to.
const DefaultExchange = "openstack"

// DefaultQueueTTL is rabbit_transient_queues_ttl: reply and fanout queues expire after 30 idle
// minutes (x-expires), so that a caller or server that died leaves nothing behind for long.
const DefaultQueueTTL = 30 * time.Minute

// Names of the broker objects of a target, exactly as oslo.messaging builds them.

// ServerQueue returns the queue of one server of a topic: "topic.server".
func ServerQueue(topic, server string) string { return topic + "." + server }

// FanoutExchange returns the fanout exchange of a topic: "topic_fanout".
func FanoutExchange(topic string) string { return topic + "_fanout" }

// newFanoutQueue returns a fresh name for a server's fanout queue: "topic_fanout_<uuid4 hex>".
func newFanoutQueue(topic string) string { return FanoutExchange(topic) + "_" + uuidHex() }

// newReplyQueue returns a fresh name for a client's reply queue: "reply_<uuid4 hex>".
func newReplyQueue() string { return "reply_" + uuidHex() }

// uuidHex returns a random UUID version 4 as 32 hex digits, as Python's uuid.uuid4().hex.
func uuidHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// declareTopicExchange declares a target's exchange as oslo does: topic, not durable, not
// auto-deleted, no arguments. Any other flags and the broker closes the channel (406).
func declareTopicExchange(ch *amqp.Channel, name string) error {
	return ch.ExchangeDeclare(name, amqp.ExchangeTopic, false, false, false, false, nil)
}

// declareFanoutExchange declares a topic's fanout exchange: fanout, not durable, auto-deleted.
func declareFanoutExchange(ch *amqp.Channel, name string) error {
	return ch.ExchangeDeclare(name, amqp.ExchangeFanout, false, true, false, false, nil)
}

// declareQueue declares a queue as oslo does: not durable, not auto-deleted, not exclusive;
// with x-expires (ttl in ms, a signed 32-bit integer) for reply and fanout queues when ttl > 0,
// and no arguments at all otherwise (the topic and server queues).
func declareQueue(ch *amqp.Channel, name string, ttl time.Duration) error {
	var args amqp.Table
	if ttl > 0 {
		args = amqp.Table{"x-expires": int32(ttl / time.Millisecond)}
	}
	_, err := ch.QueueDeclare(name, false, false, false, false, args)
	return err
}
