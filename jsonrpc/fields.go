package jsonrpc

import (
	"reflect"

	"github.com/harp-rpc/harp/internal/structfields"
)

// structFields is the struct-field cache under JSON-RPC's rules: fields named by their `json`
// tag or, failing that, their `xmlrpc` tag, so that a struct written for XML-RPC has the same
// member names over JSON-RPC; time.Time a value of its own; and each member's `,"name":` prefix
// written once (the comma is skipped for the first member written).
var structFields = structfields.Cache{
	Tags: []string{"json", "xmlrpc"},
	Leaf: func(t reflect.Type) bool { return t == timeType },
	Prefix: func(name string) ([]byte, error) {
		enc, _ := appendStringBody(append([]byte(nil), ',', '"'), name) // a Go field or tag name: invalid UTF-8 is replaced
		return append(enc, '"', ':'), nil
	},
}

func cachedStructInfo(t reflect.Type) *structfields.Info { return structFields.Info(t) }
