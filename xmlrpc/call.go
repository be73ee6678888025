package xmlrpc

import (
	"errors"
	"strconv"
)

// Call is a parsed method call whose parameters decode on demand.
type Call struct {
	// Method is the called method's name.
	Method  string
	data    []byte
	offsets []int
	offBuf  [4]int // room for the usual few parameters without another allocation
	opts    DecodeOptions
	// scalars are the first parameters as fastCall read them, for DecodeParam into *int, *int64
	// and *string without another pass
	scalars  [4]scalarParam
	nscalars int
}

// scalarParam is an <int> (or <i4>) parameter's value, or the text span of a string one.
type scalarParam struct {
	kind       kind
	n          int64
	start, end int
}

// NumParams returns the number of parameters.
func (c *Call) NumParams() int { return len(c.offsets) }

// DecodeParam decodes parameter i into v, a non-nil pointer. Errors name the parameter's path,
// as in "params[0].rows[3].id".
func (c *Call) DecodeParam(i int, v any) error {
	if i < 0 || i >= len(c.offsets) {
		return errors.New("xmlrpc: parameter index " + strconv.Itoa(i) + " out of range")
	}
	if i < c.nscalars { // read by fastCall: the most common targets need no decoder
		switch p := v.(type) {
		case *int:
			if n, ok := c.IntParam(i); ok {
				*p = int(n)
				return nil
			}
		case *int64:
			if n, ok := c.IntParam(i); ok {
				*p = n
				return nil
			}
		case *string:
			if s, ok := c.StringParam(i); ok {
				*p = s
				return nil
			}
		}
	}
	rv, err := targetOf(v)
	if err != nil {
		return err
	}
	d := getDecoder(&c.opts, c.data, c.offsets[i])
	err = d.value(rv)
	putDecoder(d)
	if err != nil {
		return withDecodePath(err, "params["+strconv.Itoa(i)+"]")
	}
	return nil
}

// IntParam returns parameter i and true if it is an <int> or <i4> read while parsing the call,
// as DecodeParam would decode it into an *int64; false means DecodeParam must decode it.
func (c *Call) IntParam(i int) (int64, bool) {
	if i >= 0 && i < c.nscalars && c.scalars[i].kind == kInt {
		return c.scalars[i].n, true
	}
	return 0, false
}

// StringParam returns parameter i and true if it is a string read while parsing the call, as
// DecodeParam would decode it into a *string; false means DecodeParam must decode it.
func (c *Call) StringParam(i int) (string, bool) {
	if i >= 0 && i < c.nscalars && c.scalars[i].kind == kString {
		sp := &c.scalars[i]
		return string(c.data[sp.start:sp.end]), true
	}
	return "", false
}

// Params decodes every parameter into its natural Go type.
func (c *Call) Params() ([]any, error) {
	out := make([]any, len(c.offsets))
	for i := range out {
		if err := c.DecodeParam(i, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
