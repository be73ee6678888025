package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// argHelp documents how harp call and harp bench read their arguments.
const argHelp = `Each ARG is a JSON literal, a value with a type prefix, or else a plain string:
  42  -1.5  "text"  true  null  [1,"a"]  {"k":1}    JSON; integers become int, or i8 beyond
                                                   32 bits; other numbers become double
  hello   a/b   1.2.3                              anything else is sent as a string
The prefixes of xmlrpc-c's xmlrpc tool (see xmlrpc(1)):
  i/42          int (i4)            s/text        string
  b/true  b/t   boolean (b/false, b/f)            d/1.5         double
  h/6869        base64, from hex    n/            nil
  I/9007199254740993                i8 (64-bit int)
harp's own prefixes (xmlrpc-c has none of these; b/1 and b/0 are harp's too):
  t/19980717T14:08:55   dateTime.iso8601        b64/aGk=      base64
  typed/JSON            a value in harp's typed JSON form (what --output typed prints),
                        for base64, dateTime or i8 inside an array or struct:
    typed/{"struct":{"label":{"base64":"aGk="},"at":{"dateTime.iso8601":"19980717T14:08:55"}}}
    typed/[{"i8":"5"},"plain",1]
  In typed/, every JSON object is one type tag: int, i8, boolean, string, double,
  dateTime.iso8601, base64, nil, array or struct; other JSON values read as plain JSON.
An ARG that starts like JSON ({ [ ") but is not valid JSON is an error: write s/... for a string.`

// parseArg converts one command-line argument into the Go value harp call sends: a typed value,
// a JSON literal, or else the argument itself as a string.
func parseArg(s string) (any, error) {
	if prefix, rest, ok := strings.Cut(s, "/"); ok {
		if v, handled, err := parsePrefixed(prefix, rest); handled {
			return v, err
		}
	}
	v, err := decodeJSON(s)
	if err == nil {
		return fromJSON(v)
	}
	if t := strings.TrimSpace(s); t != "" && strings.ContainsRune("{[\"", rune(t[0])) {
		return nil, fmt.Errorf("%q starts like JSON but is not valid JSON (%v); write s/%s to send it as a string", s, err, s)
	}
	return s, nil
}

// decodeJSON reads s as exactly one JSON value, numbers as json.Number.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("text after the JSON value")
	}
	return v, nil
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
		return xmlrpc.I8(n), true, nil
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
	case "typed":
		v, err := parseTyped(s)
		return v, true, err
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
			return nil, &UsageError{Msg: fmt.Sprintf("argument %d: %v", i+1, err), Hint: "Run 'harp help values' for how arguments are written."}
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
