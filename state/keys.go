package state

import (
	"fmt"
	"strings"
	"time"
)

// Subjects of the bucket: user keys live under "d.", idempotency records under "i.", the
// writer's fence record under "_fence.", the election under "_election.".
const (
	dataPrefix = "d."
	idemPrefix = "i."
)

// validToken reports whether s is a non-empty run of [A-Za-z0-9_-], at most 128 bytes.
func validToken(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return false
		}
	}
	return true
}

func tokenByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
}

// checkKey reports why key cannot be a user key: keys are dot-separated tokens of
// [A-Za-z0-9_=/-] ("user.42.name"), at most max bytes.
func checkKey(key string, max int) error {
	if key == "" || len(key) > max {
		return faultf(CodeInvalid, "key must be 1 to %d bytes, got %d", max, len(key))
	}
	for _, tok := range strings.Split(key, ".") {
		if tok == "" {
			return faultf(CodeInvalid, "key %q has an empty part between dots", key)
		}
		for i := 0; i < len(tok); i++ {
			if b := tok[i]; !tokenByte(b) && b != '=' && b != '/' {
				return faultf(CodeInvalid, "key %q: byte %q is not allowed (letters, digits, _ - = / and dots)", key, b)
			}
		}
	}
	return nil
}

// checkPrefix reports why prefix cannot select keys: "" or a key's beginning.
func checkPrefix(prefix string, max int) error {
	if prefix == "" {
		return nil
	}
	if err := checkKey(strings.TrimSuffix(prefix, ".")+"x", max+1); err != nil {
		return faultf(CodeInvalid, "prefix %q is not the beginning of a valid key", prefix)
	}
	return nil
}

// Options are the optional last parameter of the writing methods, an XML-RPC struct or a
// JSON object: {"id": "...", "ttl": 30}.
type Options struct {
	// ID is the idempotency key: a retry with the same ID within Config.IdempotencyTTL returns
	// the first answer and is not applied again. [A-Za-z0-9_-]{1,128}.
	ID string
	// TTL, when positive, makes the written key expire that long after this write.
	TTL time.Duration
}

// parseOptions reads an options struct decoded as map[string]any; nil is no options.
func parseOptions(v any, maxTTL time.Duration) (Options, error) {
	var o Options
	if v == nil {
		return o, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return o, faultf(CodeInvalid, "options must be a struct, got %T", v)
	}
	for k, x := range m {
		switch k {
		case "id":
			s, ok := x.(string)
			if !ok || !validToken(s) {
				return o, faultf(CodeInvalid, "option id must be a string of [A-Za-z0-9_-]{1,128}")
			}
			o.ID = s
		case "ttl":
			secs, ok := number(x)
			if !ok || secs < 0 {
				return o, faultf(CodeInvalid, "option ttl must be a non-negative number of seconds")
			}
			o.TTL = time.Duration(secs * float64(time.Second))
			if o.TTL > 0 && o.TTL < time.Second {
				return o, faultf(CodeInvalid, "option ttl must be at least 1 second")
			}
			if o.TTL > maxTTL {
				return o, faultf(CodeInvalid, "option ttl %v is over the limit %v", o.TTL, maxTTL)
			}
		default:
			return o, faultf(CodeInvalid, "unknown option %q (want id, ttl)", k)
		}
	}
	return o, nil
}

// number returns v as a float64 when it is a number of any decoded kind.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// integer returns v as an int64 when it is an integral number.
func integer(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case float64:
		if n == float64(int64(n)) && n >= -(1<<53) && n <= 1<<53 {
			return int64(n), nil
		}
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}
