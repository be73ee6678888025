package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// argHelp documents how harp call reads its arguments.
const argHelp = `Each ARG is a JSON literal (42, -1.5, "text", true, null, [1,"a"], {"k":1}) or a
value with a type prefix, as xmlrpc-c's xmlrpc tool writes them:
  i/42                   int (i4)          I/9007199254740993  i8 (64-bit int)
  s/text                 string            d/1.5               double
  b/true  b/f  b/1       boolean           n/                  nil
  t/19980717T14:08:55    dateTime.iso8601  b64/aGk=            base64
  h/6869                 base64 from hex
JSON integers become int, or i8 beyond 32 bits; other JSON numbers become double.`

// parseArg converts one command-line argument into the Go value harp call sends.
func parseArg(s string) (any, error) {
	if prefix, rest, ok := strings.Cut(s, "/"); ok {
		if v, handled, err := parsePrefixed(prefix, rest); handled {
			return v, err
		}
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%q is neither a JSON literal nor a typed value like s/text (%v)", s, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%q has text after its JSON value", s)
	}
	return fromJSON(v)
}

// parsePrefixed reads a typed value; handled is false when prefix is no known type.
func parsePrefixed(prefix, s string) (v any, handled bool, err error) {
	switch prefix {
	case "i":
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, true, fmt.Errorf("i/%s: not a 32-bit integer", s)
		}
		return int32(n), true, nil
	case "I":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, true, fmt.Errorf("I/%s: not a 64-bit integer", s)
		}
		return n, true, nil
	case "s":
		return s, true, nil
	case "d":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, true, fmt.Errorf("d/%s: not a finite number", s)
		}
		return f, true, nil
	case "b":
		switch strings.ToLower(s) {
		case "true", "t", "1":
			return true, true, nil
		case "false", "f", "0":
			return false, true, nil
		}
		return nil, true, fmt.Errorf("b/%s: want true or false", s)
	case "n":
		if s != "" {
			return nil, true, fmt.Errorf("n/%s: nil takes no value (n/)", s)
		}
		return nil, true, nil
	case "t":
		t, err := parseDateTime(s)
		return t, true, err
	case "b64":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, true, fmt.Errorf("b64/%s: %v", s, err)
		}
		return b, true, nil
	case "h":
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, true, fmt.Errorf("h/%s: %v", s, err)
		}
		return b, true, nil
	}
	return nil, false, nil
}

// parseDateTime reads a dateTime.iso8601 value with the codec's own rules.
func parseDateTime(s string) (time.Time, error) {
	var t time.Time
	if strings.ContainsAny(s, "<&") {
		return t, fmt.Errorf("t/%s: not a dateTime.iso8601 value", s)
	}
	doc := "<value><dateTime.iso8601>" + s + "</dateTime.iso8601></value>"
	if err := xmlrpc.Unmarshal([]byte(doc), &t); err != nil {
		return t, fmt.Errorf("t/%s: not a dateTime.iso8601 value like 19980717T14:08:55", s)
	}
	return t, nil
}

// fromJSON converts a decoded JSON value (numbers as json.Number) into XML-RPC-ready values.
func fromJSON(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				return int(n), nil
			}
			return n, nil
		}
		if isIntegerLiteral(string(x)) {
			bi, ok := new(big.Int).SetString(string(x), 10)
			if ok {
				return nil, fmt.Errorf("%s does not fit 64 bits", bi)
			}
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", x, err)
		}
		return f, nil
	case []any:
		for i, e := range x {
			c, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			c, err := fromJSON(e)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
		return x, nil
	}
	return v, nil
}

func isIntegerLiteral(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// parseArgs converts every argument, naming the one that fails.
func parseArgs(args []string) ([]any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		v, err := parseArg(a)
		if err != nil {
			return nil, usagef("argument %d: %v", i+1, err)
		}
		out[i] = v
	}
	return out, nil
}

// toJSON renders a decoded XML-RPC value as indented JSON: base64 as a base64 string,
// dateTime in RFC 3339, big numbers as JSON numbers.
func toJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonable(v)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonable replaces values encoding/json would render poorly.
func jsonable(v any) any {
	switch x := v.(type) {
	case *big.Float:
		return json.Number(x.Text('g', -1))
	case *big.Int:
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	}
	return v
}
