package xmlrpc

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"

	"github.com/harp-rpc/harp/internal/fastpath"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF16LE = []byte{0xFF, 0xFE}
)

// toUTF8 returns the document as UTF-8: a UTF-8 byte-order mark is dropped, UTF-16 (by its mark)
// and any encoding named in the XML declaration are transcoded, and the result is checked to be
// valid UTF-8. maxSize bounds the transcoded size.
func toUTF8(data []byte, maxSize int64) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[3:]
	case bytes.HasPrefix(data, bomUTF16BE):
		return transcode(data, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "UTF-16", maxSize)
	case bytes.HasPrefix(data, bomUTF16LE):
		return transcode(data, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "UTF-16", maxSize)
	}
	name := declaredEncoding(data)
	utf8Named := name == "" || isUTF8Name(name)
	if fastpath.Enabled && utf8Named && isASCII(data) {
		return data, nil // the usual document: nothing to transcode, nothing to validate
	}
	if !utf8Named {
		enc, err := lookupEncoding(name)
		if err != nil {
			return nil, err
		}
		if enc != nil {
			return transcode(data, enc, name, maxSize)
		}
	}
	if !utf8.Valid(data) {
		return nil, &SyntaxError{Offset: int64(invalidUTF8Offset(data)), Msg: "invalid UTF-8"}
	}
	if i := nonCharOffset(data); i >= 0 {
		return nil, &SyntaxError{Offset: int64(i), Msg: "U+FFFE and U+FFFF are not XML characters"}
	}
	return data, nil
}

// isASCII reports whether b holds only ASCII bytes, which makes it valid UTF-8 without U+FFFE
// or U+FFFF.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// nonCharOffset returns the offset of the first U+FFFE or U+FFFF in UTF-8 text, or -1.
func nonCharOffset(b []byte) int {
	off := 0
	for {
		i := bytes.Index(b, []byte{0xEF, 0xBF})
		if i < 0 || i+2 >= len(b) {
			return -1
		}
		if b[i+2] == 0xBE || b[i+2] == 0xBF {
			return off + i
		}
		off += i + 2
		b = b[i+2:]
	}
}

func isUTF8Name(name string) bool {
	switch strings.ToLower(name) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return true
	}
	return false
}

// lookupEncoding finds an IANA (or WHATWG) encoding by name. It returns a nil encoding for names of
// UTF-8 itself.
func lookupEncoding(name string) (encoding.Encoding, error) {
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		enc, err = htmlindex.Get(name)
	}
	if err != nil || enc == nil {
		return nil, &SyntaxError{Msg: "unsupported encoding " + quoteShort(name)}
	}
	if enc == unicode.UTF8 {
		return nil, nil
	}
	return enc, nil
}

func transcode(data []byte, enc encoding.Encoding, name string, maxSize int64) ([]byte, error) {
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, &SyntaxError{Msg: "cannot decode document as " + quoteShort(name) + ": " + err.Error()}
	}
	if maxSize > 0 && int64(len(out)) > maxSize {
		return nil, &LimitError{What: "size", Limit: maxSize, err: ErrTooLarge}
	}
	if !utf8.Valid(out) {
		return nil, &SyntaxError{Offset: int64(invalidUTF8Offset(out)), Msg: "invalid UTF-8 after decoding " + quoteShort(name)}
	}
	if i := nonCharOffset(out); i >= 0 {
		return nil, &SyntaxError{Offset: int64(i), Msg: "U+FFFE and U+FFFF are not XML characters"}
	}
	return out, nil
}

// declaredEncoding returns the encoding pseudo-attribute of a leading XML declaration, or "".
func declaredEncoding(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<?xml")) || len(data) < 6 || !isSpace(data[5]) ||
		fastpath.Enabled && (bytes.HasPrefix(data, []byte(`<?xml version="1.0"?>`)) || bytes.HasPrefix(data, []byte(`<?xml version='1.0'?>`))) {
		return "" // no declaration, or the usual one without an encoding
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := data[5:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	j := bytes.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return string(rest[1 : 1+j])
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "\"" + s + "\""
}
