package xmlrpc

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// scanner is a minimal, strict XML tokenizer over a UTF-8 document held in memory. It knows just
// enough XML for XML-RPC: elements with (ignored) attributes, character data with the predefined
// entities and character references, CDATA sections, comments and processing instructions (skipped).
// Any DOCTYPE is refused, so entity definitions can never be read, let alone expanded.
type scanner struct {
	data    []byte
	pos     int
	scratch []byte // holds text that needed entity decoding or line-end normalisation
}

func (s *scanner) errorf(msg string) error {
	return &SyntaxError{Offset: int64(s.pos), Msg: msg}
}

func (s *scanner) errAt(pos int, msg string) error {
	return &SyntaxError{Offset: int64(pos), Msg: msg}
}

// invalidf and invalidAt report well-formed XML that is not valid XML-RPC.
func (s *scanner) invalidf(msg string) error {
	return &SyntaxError{Offset: int64(s.pos), Msg: msg, err: ErrInvalid}
}

func (s *scanner) invalidAt(pos int, msg string) error {
	return &SyntaxError{Offset: int64(pos), Msg: msg, err: ErrInvalid}
}

// Character classes, by byte.
const (
	clSpace = 1 << iota
	clNameStart
	clName
)

var charClass = func() (t [256]uint8) {
	for _, c := range " \t\r\n" {
		t[c] |= clSpace
	}
	for c := 0; c < 256; c++ {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80 {
			t[c] |= clNameStart | clName
		}
		if c >= '0' && c <= '9' || c == '-' || c == '.' {
			t[c] |= clName
		}
	}
	return t
}()

func isSpace(c byte) bool { return charClass[c]&clSpace != 0 }

// plainText scans character data from i that needs no decoding: no entity or character
// reference, CDATA section, comment or processing instruction, carriage return, "]" (which might
// start "]]>") or forbidden control character. It returns the offset of the '<' that ends it and
// true, or, when the data is not plain or not terminated, the offset where it stopped and false.
func plainText(d []byte, i int) (int, bool) {
	for ; i < len(d); i++ {
		c := d[i]
		if c == '<' {
			if i+1 < len(d) && (d[i+1] == '!' || d[i+1] == '?') {
				return i, false // comment, CDATA or PI
			}
			return i, true
		}
		if c == '&' || c == '\r' || c == ']' || c < 0x20 && c != '\t' && c != '\n' {
			return i, false
		}
	}
	return i, false
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) && charClass[s.data[s.pos]]&clSpace != 0 {
		s.pos++
	}
}

// lit consumes lit (a whole tag such as "<member>" or "</value>") if it is next after optional
// white space. It is the fast path for the fixed structure of XML-RPC documents; anything else
// (comments, attributes, namespace prefixes, self-closing tags) falls back to the general path.
func (s *scanner) lit(lit string) bool {
	p := s.pos
	for p < len(s.data) && charClass[s.data[p]]&clSpace != 0 {
		p++
	}
	if len(s.data)-p >= len(lit) && string(s.data[p:p+len(lit)]) == lit {
		s.pos = p + len(lit)
		return true
	}
	return false
}

// skipMisc skips white space, comments and processing instructions between elements.
func (s *scanner) skipMisc() error {
	for {
		s.skipSpace()
		if s.pos+1 >= len(s.data) || s.data[s.pos] != '<' {
			return nil
		}
		switch s.data[s.pos+1] {
		case '?':
			if err := s.skipPI(); err != nil {
				return err
			}
		case '!':
			if bytes.HasPrefix(s.data[s.pos:], []byte("<!--")) {
				if err := s.skipComment(); err != nil {
					return err
				}
				continue
			}
			if hasPrefixFold(s.data[s.pos:], "<!DOCTYPE") {
				return &SyntaxError{Offset: int64(s.pos), Msg: "DOCTYPE is not allowed", err: ErrDoctype}
			}
			return nil
		default:
			return nil
		}
	}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

func (s *scanner) skipPI() error {
	end := bytes.Index(s.data[s.pos+2:], []byte("?>"))
	if end < 0 {
		return s.errorf("unterminated processing instruction")
	}
	s.pos += 2 + end + 2
	return nil
}

func (s *scanner) skipComment() error {
	end := bytes.Index(s.data[s.pos+4:], []byte("-->"))
	if end < 0 {
		return s.errorf("unterminated comment")
	}
	s.pos += 4 + end + 3
	return nil
}

func isNameStart(c byte) bool { return charClass[c]&clNameStart != 0 }

func isNameByte(c byte) bool { return charClass[c]&clName != 0 }

// tag is one start tag: its qualified name, its local name (after the last colon, so namespace
// prefixes are ignored as CPython does) and whether it closed itself (<nil/>).
type tag struct {
	qname []byte
	local []byte
	empty bool
}

// startTag reads a start tag after skipping white space, comments and processing instructions.
func (s *scanner) startTag() (tag, error) {
	if err := s.skipMisc(); err != nil {
		return tag{}, err
	}
	if s.pos >= len(s.data) {
		return tag{}, s.errorf("unexpected end of document")
	}
	if s.data[s.pos] != '<' {
		return tag{}, s.errorf("unexpected text, expected an element")
	}
	if s.pos+1 < len(s.data) && s.data[s.pos+1] == '/' {
		return tag{}, s.errorf("unexpected end tag")
	}
	return s.readStartTag()
}

// readStartTag reads the start tag at s.pos, which holds '<'.
func (s *scanner) readStartTag() (tag, error) {
	start := s.pos
	s.pos++
	name, err := s.name()
	if err != nil {
		return tag{}, err
	}
	t := tag{qname: name, local: localName(name)}
	for {
		hadSpace := s.pos < len(s.data) && isSpace(s.data[s.pos])
		s.skipSpace()
		if s.pos >= len(s.data) {
			return tag{}, s.errAt(start, "unterminated start tag")
		}
		switch c := s.data[s.pos]; {
		case c == '>':
			s.pos++
			return t, nil
		case c == '/':
			if s.pos+1 < len(s.data) && s.data[s.pos+1] == '>' {
				s.pos += 2
				t.empty = true
				return t, nil
			}
			return tag{}, s.errorf("malformed empty-element tag")
		default:
			if !hadSpace {
				return tag{}, s.errorf("expected white space before attribute")
			}
			if err := s.skipAttr(); err != nil {
				return tag{}, err
			}
		}
	}
}

// skipAttr reads and discards one attribute (name="value" or name='value'); XML-RPC gives
// attributes no meaning, but namespace declarations such as xmlns:ex appear in real documents.
func (s *scanner) skipAttr() error {
	if _, err := s.name(); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '=' {
		return s.errorf("expected = after attribute name")
	}
	s.pos++
	s.skipSpace()
	if s.pos >= len(s.data) || (s.data[s.pos] != '"' && s.data[s.pos] != '\'') {
		return s.errorf("expected quoted attribute value")
	}
	q := s.data[s.pos]
	end := bytes.IndexByte(s.data[s.pos+1:], q)
	if end < 0 {
		return s.errorf("unterminated attribute value")
	}
	if bytes.IndexByte(s.data[s.pos+1:s.pos+1+end], '<') >= 0 {
		return s.errorf("'<' in attribute value")
	}
	s.pos += 1 + end + 1
	return nil
}

func (s *scanner) name() ([]byte, error) {
	start := s.pos
	if s.pos >= len(s.data) || !isNameStart(s.data[s.pos]) {
		return nil, s.errorf("expected a name")
	}
	for s.pos < len(s.data) && isNameByte(s.data[s.pos]) {
		s.pos++
	}
	return s.data[start:s.pos], nil
}

func localName(qname []byte) []byte {
	if i := bytes.LastIndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

// endTag reads the end tag matching qname, after skipping white space, comments and processing
// instructions.
func (s *scanner) endTag(qname []byte) error {
	if err := s.skipMisc(); err != nil {
		return err
	}
	return s.readEndTag(qname)
}

// readEndTag reads "</qname>" at s.pos.
func (s *scanner) readEndTag(qname []byte) error {
	d := s.data[s.pos:]
	if len(d) >= len(qname)+3 && d[0] == '<' && d[1] == '/' && d[len(qname)+2] == '>' &&
		bytes.Equal(d[2:2+len(qname)], qname) {
		s.pos += len(qname) + 3
		return nil
	}
	if len(d) < 2 || d[0] != '<' || d[1] != '/' {
		if len(d) == 0 {
			return s.errorf("unexpected end of document, expected </" + string(qname) + ">")
		}
		return s.errorf("expected </" + string(qname) + ">")
	}
	start := s.pos
	s.pos += 2
	name, err := s.name()
	if err != nil {
		return err
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '>' {
		return s.errorf("malformed end tag")
	}
	s.pos++
	if !bytes.Equal(name, qname) {
		return s.errAt(start, "end tag </"+string(name)+"> does not match <"+string(qname)+">")
	}
	return nil
}

// atEndTag reports whether the next markup, after white space, comments and processing
// instructions, is an end tag.
func (s *scanner) atEndTag() (bool, error) {
	if err := s.skipMisc(); err != nil {
		return false, err
	}
	return s.pos+1 < len(s.data) && s.data[s.pos] == '<' && s.data[s.pos+1] == '/', nil
}

// text reads character data up to the next element start or end tag. Entities, character
// references, CDATA sections and line ends are decoded; comments and processing instructions are
// skipped. The result aliases the document or s.scratch and is valid until the next call.
func (s *scanner) text() ([]byte, error) {
	start := s.pos
	d := s.data
	// Fast path: plain character data, the usual case.
	i, plain := plainText(d, start)
	if plain {
		s.pos = i
		return d[start:i], nil
	}
	if i >= len(d) {
		s.pos = i
		return nil, s.errorf("unexpected end of document in character data")
	}
	// Slow path: decode into scratch.
	buf := append(s.scratch[:0], d[start:i]...)
	s.pos = i
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == '<':
			rest := d[s.pos:]
			switch {
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				end := bytes.Index(rest[9:], []byte("]]>"))
				if end < 0 {
					return nil, s.errorf("unterminated CDATA section")
				}
				cdata := rest[9 : 9+end]
				if err := checkChars(cdata); err != nil {
					return nil, s.errAt(s.pos+9, err.Error())
				}
				buf = appendNormalized(buf, cdata)
				s.pos += 9 + end + 3
			case bytes.HasPrefix(rest, []byte("<!--")):
				if err := s.skipComment(); err != nil {
					return nil, err
				}
			case bytes.HasPrefix(rest, []byte("<?")):
				if err := s.skipPI(); err != nil {
					return nil, err
				}
			case len(rest) > 1 && rest[1] == '!':
				if hasPrefixFold(rest, "<!DOCTYPE") {
					return nil, &SyntaxError{Offset: int64(s.pos), Msg: "DOCTYPE is not allowed", err: ErrDoctype}
				}
				return nil, s.errorf("unexpected markup declaration")
			default:
				s.scratch = buf
				return buf, nil
			}
		case c == '&':
			r, n, err := s.entity()
			if err != nil {
				return nil, err
			}
			buf = utf8.AppendRune(buf, r)
			s.pos += n
		case c == '\r':
			buf = append(buf, '\n')
			s.pos++
			if s.pos < len(d) && d[s.pos] == '\n' {
				s.pos++
			}
		case c == ']':
			if bytes.HasPrefix(d[s.pos:], []byte("]]>")) {
				return nil, s.errorf("']]>' is not allowed in character data")
			}
			buf = append(buf, c)
			s.pos++
		case c < 0x20 && c != '\t' && c != '\n':
			return nil, s.errorf("control character not allowed in XML")
		default:
			buf = append(buf, c)
			s.pos++
		}
	}
	s.scratch = buf
	return nil, s.errorf("unexpected end of document in character data")
}

// appendNormalized appends CDATA content with XML line-end normalisation (CR LF and lone CR
// become LF).
func appendNormalized(buf, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(buf, b...)
		}
		buf = append(buf, b[:i]...)
		buf = append(buf, '\n')
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}

var errControlChar = errors.New("control character not allowed in XML")

func checkChars(b []byte) error {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return errControlChar
		}
	}
	return nil
}

// entity decodes the entity or character reference at s.pos ('&'), returning the rune and the
// length of the reference.
func (s *scanner) entity() (rune, int, error) {
	d := s.data[s.pos:]
	end := bytes.IndexByte(d[:min(len(d), 12)], ';')
	if end < 0 {
		return 0, 0, s.errorf("malformed entity or character reference")
	}
	ref := d[1:end]
	switch string(ref) {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	case "apos":
		return '\'', end + 1, nil
	}
	if len(ref) < 2 || ref[0] != '#' {
		return 0, 0, s.errorf("undefined entity &" + string(ref) + ";")
	}
	var r rune
	digits := ref[1:]
	base := rune(10)
	if digits[0] == 'x' {
		base = 16
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, 0, s.errorf("malformed character reference")
	}
	for _, c := range digits {
		var v rune
		switch {
		case c >= '0' && c <= '9':
			v = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			v = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			v = rune(c-'A') + 10
		default:
			return 0, 0, s.errorf("malformed character reference")
		}
		r = r*base + v
	}
	if !isXMLChar(r) {
		return 0, 0, s.errorf("character reference to a character XML cannot carry")
	}
	return r, end + 1, nil
}

// isXMLChar reports whether r is a Char of XML 1.0.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
