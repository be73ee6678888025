package rpc

import (
	"fmt"
	"unicode"
)

// Naming is how RegisterValueNamed turns a Go method name into the name it registers: lowerCamel
// (the default, and RegisterValue's), the Go name as written, or snake_case for peers whose
// services are named that way (Python's get_item).
type Naming int

const (
	// LowerCamel lower-cases the leading capitals: Add -> add, GetAllItems -> getAllItems,
	// HTTPGet -> httpGet, ID -> id.
	LowerCamel Naming = iota
	// AsWritten keeps the Go name: GetAllItems -> GetAllItems.
	AsWritten
	// SnakeCase lower-cases every word and joins the words with underscores, a word starting at
	// each capital after a lower-case letter or digit and at the last capital of an acronym
	// followed by a lower-case letter: GetAllItems -> get_all_items, HTTPGet -> http_get,
	// UserID -> user_id, Base64Encode -> base64_encode.
	SnakeCase
)

// String returns the naming's name, as its constant is called.
func (n Naming) String() string {
	switch n {
	case LowerCamel:
		return "LowerCamel"
	case AsWritten:
		return "AsWritten"
	case SnakeCase:
		return "SnakeCase"
	}
	return fmt.Sprintf("Naming(%d)", int(n))
}

// Name returns the registered name of the Go method goName under n. A Naming other than the
// three constants returns goName unchanged.
func (n Naming) Name(goName string) string {
	switch n {
	case LowerCamel:
		return lowerFirst(goName)
	case SnakeCase:
		return snakeCase(goName)
	}
	return goName
}

// RegisterValueNamed is RegisterValue with the method names made by naming instead of
// lowerCamel: RegisterValueNamed("inventory", v, SnakeCase) registers v's GetItem as
// "inventory.get_item". It returns an error wrapping ErrUnsupported for an unknown Naming.
func (r *Registry) RegisterValueNamed(prefix string, v any, naming Naming) error {
	if naming < LowerCamel || naming > SnakeCase {
		return fmt.Errorf("%w: %v", ErrUnsupported, naming)
	}
	return r.registerValue(prefix, v, naming)
}

// snakeCase splits a Go name into words (see SnakeCase) and joins them lower-cased with '_'.
func snakeCase(s string) string {
	rs := []rune(s)
	out := make([]rune, 0, len(rs)+4)
	for i, c := range rs {
		if unicode.IsUpper(c) && i > 0 {
			prev := rs[i-1]
			acronymEnd := unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || acronymEnd {
				out = append(out, '_')
			}
		}
		out = append(out, unicode.ToLower(c))
	}
	return string(out)
}
