package oslo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// appendPython appends the JSON text src re-spaced the way Python's json.dumps writes it by
// default, as oslo.messaging's peers do: ", " and ": " separators, no other whitespace, and
// ensure_ascii (every non-ASCII character as \uXXXX, astral ones as a surrogate pair). src must be
// valid JSON; its insignificant whitespace is dropped and its strings are copied as they are but
// for the non-ASCII characters.
func appendPython(dst, src []byte) []byte {
	inString := false
	for i := 0; i < len(src); {
		c := src[i]
		if inString {
			switch {
			case c == '\\':
				dst = append(dst, c, src[i+1])
				i += 2
				continue
			case c == '"':
				inString = false
			case c >= utf8.RuneSelf:
				r, n := utf8.DecodeRune(src[i:])
				dst = appendUnicodeEscape(dst, r)
				i += n
				continue
			}
			dst = append(dst, c)
			i++
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inString = true
			dst = append(dst, c)
		case ',', ':':
			dst = append(dst, c, ' ')
		default:
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

// appendUnicodeEscape appends r as Python's ensure_ascii writes it.
func appendUnicodeEscape(dst []byte, r rune) []byte {
	if r > 0xFFFF {
		r1, r2 := utf16.EncodeRune(r)
		return fmt.Appendf(dst, `\u%04x\u%04x`, r1, r2)
	}
	return fmt.Appendf(dst, `\u%04x`, r)
}

// appendPyString appends s as a Python json.dumps string literal (ensure_ascii).
func appendPyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = fmt.Appendf(dst, `\u%04x`, c)
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			dst = appendUnicodeEscape(dst, r)
			i += n
			continue
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}

// marshalPython encodes v with encoding/json (no HTML escaping, as Python) and re-spaces it with
// appendPython.
func marshalPython(dst []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return appendPython(dst, bytes.TrimRight(buf.Bytes(), "\n")), nil
}
