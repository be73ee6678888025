package xmlrpc

import (
	"math"

	"github.com/harp-rpc/harp/internal/intern"
)

// fastCall parses a call of the plain shape nearly every client sends: the root and its
// children without attributes, prefixes, comments or self-closing tags, white space between
// them, a method name and parameters that are <int>, <i4>, <string> or untyped values, all of
// plain character data. It applies exactly fullCall's checks to what it accepts, and returns
// false (c half filled, d.pos anywhere) at the first thing it does not handle, valid or not, for
// fullCall to parse the document from the start and report any error. Its point is the small
// amount of code it runs: under load a server's caches are cold, and a call's cost follows
// the code and data it touches.
func (d *decoder) fastCall(c *Call, offsets []int) bool {
	if d.skipMisc() != nil || !d.lit("<methodCall>") || !d.lit("<methodName>") {
		return false
	}
	end, ok := plainText(d.data, d.pos)
	name := trimSpace(d.data[d.pos:end])
	if !ok || len(name) == 0 {
		return false
	}
	d.pos = end
	if !d.lit("</methodName>") {
		return false
	}
	c.Method = intern.Bytes(name)
	c.offsets = offsets
	if c.offsets == nil {
		c.offsets = c.offBuf[:0]
	}
	c.data = d.data
	if d.lit("<params>") {
		for !d.lit("</params>") {
			if !d.lit("<param>") {
				return false
			}
			off := d.pos // where fullCall's parameter starts too
			if !d.lit(litValue) {
				return false
			}
			isInt, closing := false, litValueEnd // untyped: the value's own text
			switch {
			case d.lit("<int>"):
				isInt, closing = true, "</int>"
			case d.lit("<i4>"):
				isInt, closing = true, "</i4>"
			case d.lit("<string>"):
				closing = "</string>"
			}
			end, ok := plainText(d.data, d.pos)
			if !ok {
				return false
			}
			txt := d.data[d.pos:end]
			d.pos = end
			sp := scalarParam{kind: kString, start: end - len(txt), end: end}
			if isInt {
				txt = trimSpace(txt)
				n, ok := parseInt(txt)
				if len(txt) > maxIntLen || !ok || n < math.MinInt32 || n > math.MaxInt32 {
					return false
				}
				sp = scalarParam{kind: kInt, n: n}
			}
			if !d.lit(closing) || (closing != litValueEnd && !d.lit(litValueEnd)) || !d.lit("</param>") {
				return false
			}
			if c.nscalars == len(c.offsets) && c.nscalars < len(c.scalars) {
				c.scalars[c.nscalars] = sp
				c.nscalars++
			}
			c.offsets = append(c.offsets, off)
		}
	}
	return d.lit("</methodCall>") && d.end() == nil
}
