package demo

import (
	"errors"
	"strings"
	"time"
)

// Validator implements UserLand's XML-RPC validation suite (validator1.*), as documented at
// http://www.xmlrpc.com/validator1Docs. Registered under the prefix "validator1", its methods are
// validator1.arrayOfStructsTest, validator1.countTheEntities, and so on.
type Validator struct{}

// Stooges is the struct the suite passes around: at least the three members moe, larry and
// curly, all i4; other members are ignored.
type Stooges struct {
	Moe   int `xmlrpc:"moe"`
	Larry int `xmlrpc:"larry"`
	Curly int `xmlrpc:"curly"`
}

// Entities is countTheEntities' answer.
type Entities struct {
	LeftAngleBrackets  int `xmlrpc:"ctLeftAngleBrackets"`
	RightAngleBrackets int `xmlrpc:"ctRightAngleBrackets"`
	Ampersands         int `xmlrpc:"ctAmpersands"`
	Apostrophes        int `xmlrpc:"ctApostrophes"`
	Quotes             int `xmlrpc:"ctQuotes"`
}

// Multiples is simpleStructReturnTest's answer.
type Multiples struct {
	Times10   int64 `xmlrpc:"times10"`
	Times100  int64 `xmlrpc:"times100"`
	Times1000 int64 `xmlrpc:"times1000"`
}

// ArrayOfStructsTest returns the sum of the curly members of an array of structs.
func (Validator) ArrayOfStructsTest(list []Stooges) int64 {
	var sum int64
	for _, s := range list {
		sum += int64(s.Curly)
	}
	return sum
}

// CountTheEntities counts the characters of s that XML writes as predefined entities.
func (Validator) CountTheEntities(s string) Entities {
	return Entities{
		LeftAngleBrackets:  strings.Count(s, "<"),
		RightAngleBrackets: strings.Count(s, ">"),
		Ampersands:         strings.Count(s, "&"),
		Apostrophes:        strings.Count(s, "'"),
		Quotes:             strings.Count(s, `"`),
	}
}

// EasyStructTest returns moe + larry + curly.
func (Validator) EasyStructTest(s Stooges) int64 {
	return int64(s.Moe) + int64(s.Larry) + int64(s.Curly)
}

// EchoStructTest returns its struct unchanged.
func (Validator) EchoStructTest(s map[string]any) map[string]any { return s }

// ManyTypesTest returns its six parameters, of six different types, as an array.
func (Validator) ManyTypesTest(n int32, b bool, s string, d float64, t time.Time, bin []byte) []any {
	return []any{n, b, s, d, t, bin}
}

// ModerateSizeArrayCheck returns the first and last strings of an array (of 100 to 200 in the
// suite) concatenated.
func (Validator) ModerateSizeArrayCheck(list []string) (string, error) {
	if len(list) == 0 {
		return "", errors.New("empty array")
	}
	return list[0] + list[len(list)-1], nil
}

// NestedStructTest reads a calendar struct (years, then months, then days) and returns
// moe + larry + curly of the entry for April 1st, 2000 (calendar["2000"]["04"]["01"]).
func (v Validator) NestedStructTest(calendar map[string]map[string]map[string]Stooges) (int64, error) {
	day, ok := calendar["2000"]["04"]["01"]
	if !ok {
		return 0, errors.New(`no entry for 2000-04-01 (calendar["2000"]["04"]["01"])`)
	}
	return v.EasyStructTest(day), nil
}

// SimpleStructReturnTest returns n times 10, 100 and 1000.
func (Validator) SimpleStructReturnTest(n int32) Multiples {
	return Multiples{Times10: int64(n) * 10, Times100: int64(n) * 100, Times1000: int64(n) * 1000}
}

// RPCHelp documents the suite's methods.
func (Validator) RPCHelp(m string) string {
	return validatorHelp[m]
}

var validatorHelp = map[string]string{
	"ArrayOfStructsTest":     "Takes an array of structs with i4 members moe, larry and curly; returns the sum of all curly members.",
	"CountTheEntities":       "Takes a string; returns a struct counting its <, >, &, ' and \" characters: ctLeftAngleBrackets, ctRightAngleBrackets, ctAmpersands, ctApostrophes, ctQuotes.",
	"EasyStructTest":         "Takes a struct with i4 members moe, larry and curly; returns their sum.",
	"EchoStructTest":         "Takes a struct; returns it unchanged.",
	"ManyTypesTest":          "Takes a number, a boolean, a string, a double, a dateTime and a base64; returns them in an array.",
	"ModerateSizeArrayCheck": "Takes an array of 100 to 200 strings; returns the first and the last concatenated.",
	"NestedStructTest":       "Takes a calendar struct (years, months, days); returns moe + larry + curly of the entry for April 1st, 2000.",
	"SimpleStructReturnTest": "Takes a number; returns a struct with members times10, times100 and times1000.",
}
