package jsonrpc

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxNumberLen caps the length of a number literal. Like CPython's limit on int conversion, it keeps
// a hostile value from costing more than linear time anywhere it is converted (big.Int parsing is
// superlinear); no integer a program exchanges has more than a few dozen digits.
const maxNumberLen = 4300

// smallKeySet is how many member names an object may have before duplicate detection switches from
// comparing with each earlier name to a map.
const smallKeySet = 16

// scanner validates JSON text in one pass: the grammar of RFC 8259, UTF-8 (and \u escapes naming
// lone surrogates), the nesting limit, the number length limit and duplicate member names. The
// decoder that runs afterwards trusts what the scanner accepted.
type scanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	values   int // values scanned so far
	// maxValues limits values; 0 means no limit.
	maxValues int
	keys      [][]byte // names of the objects being scanned, innermost last
}

func (s *scanner) syntaxError(msg string) error {
	return &SyntaxError{Offset: int64(s.pos), Msg: msg}
}

func (s *scanner) unexpected(what string) error {
	if s.pos >= len(s.data) {
		return s.syntaxError("unexpected end of input, want " + what)
	}
	return s.syntaxError("unexpected " + quoteByte(s.data[s.pos]) + ", want " + what)
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// end checks that only white space follows.
func (s *scanner) end() error {
	s.ws()
	if s.pos != len(s.data) {
		return s.syntaxError("unexpected " + quoteByte(s.data[s.pos]) + " after the top-level value")
	}
	return nil
}

// value validates one value after optional white space and moves past it.
func (s *scanner) value() error {
	s.values++
	if s.values > s.maxValues && s.maxValues > 0 {
		return &LimitError{What: "values", Limit: int64(s.maxValues), Offset: int64(s.pos)}
	}
	switch s.peek() {
	case '{':
		return s.object(nil)
	case '[':
		return s.array(nil)
	case '"':
		_, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return s.number()
	}
	return s.unexpected("a value")
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return nil
	}
	return s.syntaxError("invalid literal, want " + lit)
}

func (s *scanner) enter() error {
	s.depth++
	if s.depth > s.maxDepth {
		return &LimitError{What: "depth", Limit: int64(s.maxDepth), Offset: int64(s.pos), err: ErrTooDeep}
	}
	return nil
}

// array validates an array at s.pos; elem, when not nil, is called for each element with s.pos at
// its start (after white space, never at the end of the input) and must move past it.
func (s *scanner) array(elem func(i int) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++ // '['
	if s.peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for i := 0; ; i++ {
		var err error
		if elem != nil {
			if s.peek() == 0 && s.pos >= len(s.data) {
				return s.unexpected("a value")
			}
			err = elem(i)
		} else {
			err = s.value()
		}
		if err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.unexpected("',' or ']'")
		}
	}
}

// object validates an object at s.pos, refusing duplicate names; member, when not nil, is called
// for each member with its unescaped name (valid only during the call) and s.pos at the value
// (never at the end of the input), and must move past it.
func (s *scanner) object(member func(name []byte) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.pos++ // '{'
	if s.peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	mark := len(s.keys)
	var set map[string]struct{}
	for {
		if s.peek() != '"' {
			return s.unexpected("a member name")
		}
		nameAt := s.pos
		name, err := s.name()
		if err != nil {
			return err
		}
		if set != nil {
			if _, dup := set[string(name)]; dup {
				return s.duplicate(nameAt, name)
			}
			set[string(name)] = struct{}{}
		} else {
			for _, k := range s.keys[mark:] {
				if string(k) == string(name) {
					return s.duplicate(nameAt, name)
				}
			}
			if len(s.keys)-mark < smallKeySet {
				s.keys = append(s.keys, name)
			} else {
				set = make(map[string]struct{}, 2*smallKeySet)
				for _, k := range s.keys[mark:] {
					set[string(k)] = struct{}{}
				}
				set[string(name)] = struct{}{}
				s.keys = s.keys[:mark]
			}
		}
		if s.peek() != ':' {
			return s.unexpected("':'")
		}
		s.pos++
		if member != nil {
			if s.peek() == 0 && s.pos >= len(s.data) {
				return s.unexpected("a value")
			}
			err = member(name)
		} else {
			err = s.value()
		}
		if err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			s.keys = s.keys[:mark]
			return nil
		default:
			return s.unexpected("',' or '}'")
		}
	}
}

func (s *scanner) duplicate(at int, name []byte) error {
	return &SyntaxError{Offset: int64(at), Msg: "duplicate member name " + strconv.Quote(string(name)), err: ErrDuplicateKey}
}

// name validates a member name and returns it unescaped: a slice of the input when it has no
// escapes, a fresh copy otherwise.
func (s *scanner) name() ([]byte, error) {
	start := s.pos + 1
	escaped, err := s.str()
	if err != nil {
		return nil, err
	}
	raw := s.data[start : s.pos-1]
	if !escaped {
		return raw, nil
	}
	return unescape(nil, raw), nil
}

// str validates a string at s.pos and moves past it, reporting whether it holds escapes.
func (s *scanner) str() (escaped bool, err error) {
	s.pos++ // '"'
	data := s.data
	for i := s.pos; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			n, err := s.escape(i)
			if err != nil {
				return false, err
			}
			i += n
		case c < 0x20:
			s.pos = i
			return false, s.syntaxError("control character " + quoteByte(c) + " in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				s.pos = i
				return false, &SyntaxError{Offset: int64(i), Msg: "invalid UTF-8 in string", err: ErrInvalidUTF8}
			}
			i += n
		}
	}
	s.pos = len(data)
	return false, s.syntaxError("unterminated string")
}

// escape validates the escape sequence at data[i] and returns its length.
func (s *scanner) escape(i int) (int, error) {
	data := s.data
	if i+1 >= len(data) {
		s.pos = len(data)
		return 0, s.syntaxError("unterminated string")
	}
	switch data[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		r, ok := hex4(data, i+2)
		if !ok {
			s.pos = i
			return 0, s.syntaxError(`invalid \u escape`)
		}
		if !utf16.IsSurrogate(r) {
			return 6, nil
		}
		if r < 0xdc00 && i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
			if r2, ok := hex4(data, i+8); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
				return 12, nil
			}
		}
		s.pos = i
		return 0, &SyntaxError{Offset: int64(i), Msg: `\u escape of a lone surrogate`, err: ErrInvalidUTF8}
	}
	s.pos = i
	return 0, s.syntaxError("invalid escape " + quoteByte(data[i+1]))
}

// hex4 parses the four hex digits at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number validates a number at s.pos and moves past it.
func (s *scanner) number() error {
	data := s.data
	start := s.pos
	i := s.pos
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		s.pos = i
		return s.unexpected("a digit")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			s.pos = i
			return s.unexpected("a digit after the decimal point")
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			s.pos = i
			return s.unexpected("a digit in the exponent")
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i-start > maxNumberLen {
		return &LimitError{What: "number length", Limit: maxNumberLen, Offset: int64(start)}
	}
	s.pos = i
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// unescape appends the unescaped form of raw, the validated contents of a string, to dst.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(raw, i+2)
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(raw, i+8)
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

// validate checks that data is one well-formed JSON value within the limits.
func validate(data []byte, maxDepth int) error {
	s := scanner{data: data, maxDepth: maxDepth}
	if err := s.value(); err != nil {
		return err
	}
	return s.end()
}
