package xmlrpc

import (
	"encoding/base64"
	"errors"
	"strconv"
	"time"
)

// appendDateTime appends t in UTC in the specification's compact form, 19980717T14:08:55,
// followed by the first digits (at most 9) of its fraction of a second after a '.'. With no
// digits the fraction is dropped, as the specification has no fractions and CPython reads none.
func appendDateTime(b []byte, t time.Time, digits int) ([]byte, error) {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return b, &UnsupportedValueError{Value: t.Format(time.RFC3339), Msg: "dateTime.iso8601 holds years 0 to 9999 only"}
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = appendDigits(b, int(month), 2)
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if digits <= 0 {
		return b, nil
	}
	digits = min(digits, 9)
	frac := t.Nanosecond()
	for range 9 - digits {
		frac /= 10
	}
	return appendDigits(append(b, '.'), frac, digits), nil
}

func appendDigits(b []byte, v, width int) []byte {
	var tmp [9]byte
	for i := width - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:width]...)
}

var errDateTime = errors.New("not a dateTime.iso8601 value (want 19980717T14:08:55, optionally dashed, with fractional seconds and a zone)")

// parseDateTime reads the forms of dateTime.iso8601 that peers send: the compact specification
// form 19980717T14:08:55, the dashed 1998-07-17T14:08:55, the time without colons, fractional
// seconds, and a zone of Z or ±hh:mm (±hhmm, ±hh). A time without a zone is in loc.
func parseDateTime(b []byte, loc *time.Location) (time.Time, error) {
	b = trimSpace(b)
	p := 0
	num := func(n int) (int, bool) {
		if p+n > len(b) {
			return 0, false
		}
		v := 0
		for _, c := range b[p : p+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		p += n
		return v, true
	}
	opt := func(c byte) bool {
		if p < len(b) && b[p] == c {
			p++
			return true
		}
		return false
	}
	year, ok1 := num(4)
	dashed := opt('-')
	month, ok2 := num(2)
	if dashed && !opt('-') {
		return time.Time{}, errDateTime
	}
	day, ok3 := num(2)
	if !ok1 || !ok2 || !ok3 || !opt('T') {
		return time.Time{}, errDateTime
	}
	hour, ok4 := num(2)
	colon := opt(':')
	minute, ok5 := num(2)
	if colon && !opt(':') {
		return time.Time{}, errDateTime
	}
	sec, ok6 := num(2)
	if !ok4 || !ok5 || !ok6 {
		return time.Time{}, errDateTime
	}
	nsec := 0
	if opt('.') || opt(',') {
		start := p
		scale := 100000000
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			nsec += int(b[p]-'0') * scale
			scale /= 10
			p++
			if p-start > 30 {
				return time.Time{}, errDateTime
			}
		}
		if p == start {
			return time.Time{}, errDateTime
		}
	}
	zone := loc
	if p < len(b) {
		switch b[p] {
		case 'Z', 'z':
			p++
			zone = time.UTC
		case '+', '-':
			sign := 1
			if b[p] == '-' {
				sign = -1
			}
			p++
			zh, ok := num(2)
			if !ok {
				return time.Time{}, errDateTime
			}
			zm := 0
			if p < len(b) {
				opt(':')
				if zm, ok = num(2); !ok {
					return time.Time{}, errDateTime
				}
			}
			if zh > 23 || zm > 59 {
				return time.Time{}, errDateTime
			}
			off := sign * (zh*3600 + zm*60)
			if off == 0 {
				zone = time.UTC
			} else {
				zone = time.FixedZone("", off)
			}
		}
	}
	if p != len(b) {
		return time.Time{}, errDateTime
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, errors.New("dateTime.iso8601 out of range: " + strconv.Quote(string(b)))
	}
	if zone == nil {
		zone = time.UTC
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, zone), nil
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func appendBase64(dst, src []byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, src)
}

// decodeBase64 decodes standard base64, ignoring white space and line breaks anywhere in it.
func decodeBase64(b []byte) ([]byte, error) {
	clean := b
	for i, c := range b {
		if c == ' ' || c == '\t' {
			// Rare: copy without blanks (the decoder itself skips CR and LF).
			clean = make([]byte, 0, len(b))
			clean = append(clean, b[:i]...)
			for _, c := range b[i:] {
				if c != ' ' && c != '\t' {
					clean = append(clean, c)
				}
			}
			break
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, errors.New("invalid base64: " + err.Error())
	}
	return out[:n], nil
}
