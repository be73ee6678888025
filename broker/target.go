package broker

import (
	"fmt"
	"strings"
)

// Target names where a message goes, as oslo.messaging's Target does. Exchange and Topic name a
// pool of equivalent servers; Server narrows it to one of them; Fanout widens it to all of them.
type Target struct {
	// Exchange is a namespace of topics (oslo's control_exchange); "" means the transport's
	// default.
	Exchange string
	// Topic names the service: every server of a topic takes its share of the calls.
	Topic string
	// Server, when not "", sends to that server of the topic only (oslo's prepare(server=)).
	// On a server's own Target it is the name the server answers to.
	Server string
	// Fanout sends a cast to every server of the topic. A call cannot fan out.
	Fanout bool
}

// Verify reports whether t can address a message, with an error wrapping ErrInvalidTarget if
// not: a Topic is required; names are 1 to 255 bytes of printable ASCII without spaces or the
// wildcards '*' and '>', and Server and Exchange may not contain dots either (transports map
// names onto dotted subjects and routing keys).
func (t Target) Verify() error {
	if t.Topic == "" {
		return fmt.Errorf("%w: no topic", ErrInvalidTarget)
	}
	if err := checkName("topic", t.Topic, true); err != nil {
		return err
	}
	if err := checkName("exchange", t.Exchange, false); err != nil {
		return err
	}
	if err := checkName("server", t.Server, false); err != nil {
		return err
	}
	if t.Fanout && t.Server != "" {
		return fmt.Errorf("%w: fanout to a single server %q", ErrInvalidTarget, t.Server)
	}
	return nil
}

// checkName refuses a name a transport cannot map; an empty name is fine (Verify requires the
// topic itself).
func checkName(what, s string, dots bool) error {
	if len(s) > 255 {
		return fmt.Errorf("%w: %s longer than 255 bytes", ErrInvalidTarget, what)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '*' || c == '>' || (c == '.' && !dots) {
			return fmt.Errorf("%w: %s %q has %q at %d", ErrInvalidTarget, what, s, c, i)
		}
	}
	if dots && (strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..")) {
		return fmt.Errorf("%w: %s %q has an empty dotted part", ErrInvalidTarget, what, s)
	}
	return nil
}

// String writes t as exchange/topic[.server|(fanout)], for logs and errors.
func (t Target) String() string {
	var b strings.Builder
	if t.Exchange != "" {
		b.WriteString(t.Exchange)
		b.WriteByte('/')
	}
	b.WriteString(t.Topic)
	switch {
	case t.Server != "":
		b.WriteString("@")
		b.WriteString(t.Server)
	case t.Fanout:
		b.WriteString("(fanout)")
	}
	return b.String()
}
