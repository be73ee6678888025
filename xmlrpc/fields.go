package xmlrpc

import (
	"reflect"

	"github.com/harp-rpc/harp/internal/structfields"
)

// structFields is the struct-field cache under XML-RPC's rules: fields named by their `xmlrpc`
// tag, time.Time a value of its own, and each member's "<member><name>NAME</name><value>"
// prefix written once, with the error of a name XML cannot carry.
var structFields = structfields.Cache{
	Tags: []string{"xmlrpc"},
	Leaf: func(t reflect.Type) bool { return t == timeType },
	Prefix: func(name string) ([]byte, error) {
		enc, err := appendEscaped(append([]byte(nil), "<member><name>"...), name)
		return append(enc, "</name><value>"...), err
	},
}

func cachedStructInfo(t reflect.Type) *structfields.Info { return structFields.Info(t) }
