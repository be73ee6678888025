package rpc

import (
	"strings"
	"unicode/utf8"
)

// maxMessage bounds a fault message CleanMessage returns, in bytes (before its "...").
const maxMessage = 1024

// CleanMessage makes a fault message safe for any wire format: valid UTF-8, no control
// characters but tab and newline (nor C1 controls or the non-characters U+FFFE and U+FFFF), at
// most 1,024 bytes and an ellipsis. The serving codecs clean every fault message with it.
func CleanMessage(s string) string {
	ok := len(s) <= maxMessage && utf8.ValidString(s)
	if ok {
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if b.Len() >= maxMessage {
			b.WriteString("...")
			break
		}
		if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xFFFE || r == 0xFFFF {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}
