package rpc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Header names with which transports carry a call's deadline and request id across the wire, so
// that in a chain A -> B -> C the handler on C sees what is left of A's caller's budget, and every
// hop logs the same id. HTTP sends them as request headers; other transports as message headers.
// Both are in the canonical form net/http stores header keys in, so they index an http.Header
// directly.
const (
	// TimeoutHeader carries the time the caller has left, in FormatTimeout's form (as gRPC's
	// grpc-timeout does: a relative time, so the clocks of the hops need not agree). A server
	// gives its handler the earlier of this and its own call timeout.
	TimeoutHeader = "Harp-Timeout"
	// RequestIDHeader carries the request id (RequestID); the name is the one nginx, HAProxy and
	// most proxies already use.
	RequestIDHeader = "X-Request-Id"
)

type requestIDKey struct{}

// WithRequestID returns a copy of ctx carrying the request id id; transports send it on with
// every call made under that context.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// MaxRequestIDLen bounds an accepted request id; a longer one, or one with bytes outside
// printable ASCII, is ignored by ValidRequestID.
const MaxRequestIDLen = 128

// ValidRequestID reports whether id may be carried and logged: 1 to MaxRequestIDLen bytes of
// printable ASCII.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// ErrBadTimeout reports a TimeoutHeader value that ParseTimeout cannot read.
var ErrBadTimeout = errors.New("rpc: bad timeout")

// FormatTimeout writes d as TimeoutHeader carries it: at most eight digits and a unit, H (hours),
// M (minutes), S (seconds), m (milliseconds), u (microseconds) or n (nanoseconds), the finest
// unit that fits, rounded up so a receiver never sees more time than there is. A d of zero or
// less is "0n".
func FormatTimeout(d time.Duration) string {
	var buf [MaxTimeoutLen]byte
	return string(AppendTimeout(buf[:0], d))
}

// MaxTimeoutLen is the longest value FormatTimeout writes: eight digits and a unit.
const MaxTimeoutLen = 9

// AppendTimeout appends FormatTimeout(d) to dst, for transports that build headers in buffers
// of their own.
func AppendTimeout(dst []byte, d time.Duration) []byte {
	if d <= 0 {
		return append(dst, "0n"...)
	}
	const max = 99999999
	units := [...]struct {
		unit time.Duration
		c    byte
	}{{time.Nanosecond, 'n'}, {time.Microsecond, 'u'}, {time.Millisecond, 'm'}, {time.Second, 'S'}, {time.Minute, 'M'}, {time.Hour, 'H'}}
	for _, u := range units {
		n := (d + u.unit - 1) / u.unit
		if n <= max {
			return append(strconv.AppendInt(dst, int64(n), 10), u.c)
		}
	}
	return append(strconv.AppendInt(dst, max, 10), 'H')
}

// ParseTimeout reads a TimeoutHeader value written by FormatTimeout (or by anything following
// the same grammar): 1 to 8 digits and a unit. It returns an error wrapping ErrBadTimeout
// otherwise.
func ParseTimeout(s string) (time.Duration, error) {
	if len(s) < 2 || len(s) > 9 {
		return 0, fmt.Errorf("%w: %q", ErrBadTimeout, s)
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'H':
		unit = time.Hour
	case 'M':
		unit = time.Minute
	case 'S':
		unit = time.Second
	case 'm':
		unit = time.Millisecond
	case 'u':
		unit = time.Microsecond
	case 'n':
		unit = time.Nanosecond
	default:
		return 0, fmt.Errorf("%w: %q", ErrBadTimeout, s)
	}
	var n int64
	for i := 0; i < len(s)-1; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q", ErrBadTimeout, s)
		}
		n = n*10 + int64(c-'0')
	}
	if unit == time.Hour && n > int64(time.Duration(1<<63-1)/time.Hour) {
		return time.Duration(1<<63 - 1), nil
	}
	return time.Duration(n) * unit, nil
}

// Late returns the error an answer read now must be taken as, or nil: the context's error when
// it ended, and context.DeadlineExceeded once its deadline has passed even if its timer has not
// fired yet. A transport returns it instead of a late answer: the caller has given up, and with
// the deadline sent on (TimeoutHeader) the server's own end of it answers at about the same
// moment, most often with a timeout fault, which must read as the caller's deadline, not as a
// fault of the method.
func Late(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}
