// Package demo holds the services `harp serve` and `harp demo` expose: the seed's example (pow,
// add and div, as registered functions and as methods of a registered value), echo, time.now,
// the complete UserLand validator1 suite, a Zabbix-style user.login, and a counter of executions that lets a load test
// prove that no non-idempotent call ran twice.
package demo

import (
	"errors"
	"math"
	"time"

	"github.com/harp-rpc/harp/rpc"
)

// Register registers every demo service on reg: the seed example, echo, time.now, validator1.*,
// user.login and, when counter is not nil, counter.*.
func Register(reg *rpc.Registry, counter *Counter) error {
	if err := RegisterSeed(reg); err != nil {
		return err
	}
	if err := reg.Register("echo", Echo, "Returns its one argument unchanged."); err != nil {
		return err
	}
	if err := reg.Register("time.now", Now, "Returns the server's current time (UTC, whole seconds)."); err != nil {
		return err
	}
	if err := reg.RegisterValue("validator1", Validator{}); err != nil {
		return err
	}
	if err := reg.Register("user.login", UserLogin, "user.login({username, password}): a Zabbix-style login "+
		"(Admin/zabbix) returning a session token."); err != nil {
		return err
	}
	if counter != nil {
		return reg.RegisterValue("counter", counter)
	}
	return nil
}

// RegisterSeed registers the seed's example as Python's SimpleXMLRPCServer documentation builds
// it: pow and add as registered functions, div as a method of a registered value; and the same
// three as methods of a value under the prefix "math" (math.pow, math.add, math.div).
func RegisterSeed(reg *rpc.Registry) error {
	if err := reg.Register("pow", Pow, "pow(x, y): x to the power y (y >= 0), as an integer."); err != nil {
		return err
	}
	if err := reg.Register("add", Add, "add(x, y): x + y."); err != nil {
		return err
	}
	if err := reg.RegisterValue("", SeedFuncs{}); err != nil {
		return err
	}
	return reg.RegisterValue("math", Math{})
}

// Errors the seed's methods return; the server reports them as faults with its application code.
var (
	ErrDivisionByZero   = errors.New("division by zero")
	ErrNegativeExponent = errors.New("negative exponent")
	ErrOverflow         = errors.New("integer overflow")
)

// Pow returns x to the power y for y >= 0, failing rather than overflowing 64 bits.
func Pow(x, y int64) (int64, error) {
	if y < 0 {
		return 0, ErrNegativeExponent
	}
	r, b := int64(1), x
	for e := y; e > 0; e >>= 1 {
		var ok bool
		if e&1 == 1 {
			if r, ok = mulExact(r, b); !ok {
				return 0, ErrOverflow
			}
		}
		if e > 1 {
			// A higher bit remains, so the result has b*b as a factor.
			if b, ok = mulExact(b, b); !ok {
				return 0, ErrOverflow
			}
		}
	}
	return r, nil
}

// mulExact returns a*b and whether it fits 64 bits.
func mulExact(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	p := a * b
	return p, p/b == a
}

// Add returns x + y, failing rather than overflowing 64 bits.
func Add(x, y int64) (int64, error) {
	s := x + y
	if (s > x) != (y > 0) {
		return 0, ErrOverflow
	}
	return s, nil
}

// Div returns x / y rounded down (Python's x // y), or ErrDivisionByZero.
func Div(x, y int64) (int64, error) {
	if y == 0 {
		return 0, ErrDivisionByZero
	}
	if x == math.MinInt64 && y == -1 {
		return 0, ErrOverflow
	}
	q := x / y
	if (x%y != 0) && ((x < 0) != (y < 0)) {
		q--
	}
	return q, nil
}

// SeedFuncs is the value the seed registers for div, as Python's register_instance(MyFuncs()).
type SeedFuncs struct{}

// Div returns x / y rounded down.
func (SeedFuncs) Div(x, y int64) (int64, error) { return Div(x, y) }

// RPCHelp documents SeedFuncs' methods.
func (SeedFuncs) RPCHelp(string) string { return "div(x, y): x / y rounded down (Python's x // y)." }

// Math offers the seed's three methods under one prefix.
type Math struct{}

// Pow returns x to the power y.
func (Math) Pow(x, y int64) (int64, error) { return Pow(x, y) }

// Add returns x + y.
func (Math) Add(x, y int64) (int64, error) { return Add(x, y) }

// Div returns x / y rounded down.
func (Math) Div(x, y int64) (int64, error) { return Div(x, y) }

// RPCHelp documents Math's methods.
func (Math) RPCHelp(m string) string {
	return map[string]string{
		"Pow": "pow(x, y): x to the power y (y >= 0), as an integer.",
		"Add": "add(x, y): x + y.",
		"Div": "div(x, y): x / y rounded down (Python's x // y).",
	}[m]
}

// Echo returns v unchanged.
func Echo(v any) any { return v }

// Now returns the current time in UTC, truncated to whole seconds as dateTime.iso8601 carries it.
func Now() time.Time { return time.Now().UTC().Truncate(time.Second) }
