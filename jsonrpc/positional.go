package jsonrpc

import (
	"reflect"
	"strconv"

	"github.com/harp-rpc/harp/internal/structfields"
)

// A positional struct is one whose blank field carries the tag option "array", under the xmlrpc
// key as in package xmlrpc (go vet refuses a json tag on an unexported field, but one is read
// too):
//
//	type TailLog struct {
//		_        struct{} `xmlrpc:",array"`
//		Bytes    string
//		Offset   int64
//		Overflow bool
//	}
//
// It is a JSON array on the wire, its members in declaration order, so that one Go type reads
// an answer such as ["line\n", 1234, true] over either protocol.

// newPositionalDecoder decodes an array into the members of a positional struct, element i into
// member i. The array must have exactly as many elements as the struct has members: a missing
// element would leave a member silently zero, and an extra one would be dropped.
func newPositionalDecoder(t reflect.Type) decoderFunc {
	si := cachedStructInfo(t)
	decs := make([]decoderFunc, len(si.Fields))
	for i := range si.Fields {
		decs[i] = decoderFor(si.Fields[i].Type)
	}
	want := len(si.Fields)
	return func(d *decoder, v reflect.Value) error {
		if d.data[d.pos] != '[' {
			return d.other(v)
		}
		at, n := d.pos, 0
		err := d.eachElem(func(i int) error {
			n++
			if i >= want {
				d.skip() // counted, reported below
				return nil
			}
			fv, _ := structfields.ByIndex(v, si.Fields[i].Index, true)
			return decs[i](d, fv)
		})
		if err != nil {
			return err
		}
		if n != want {
			return &UnmarshalTypeError{Value: "array", Type: t, Offset: int64(at),
				Msg: "array of " + strconv.Itoa(n) + " elements for a positional struct of " + strconv.Itoa(want) + " members"}
		}
		return nil
	}
}

// newPositionalEncoder writes a positional struct as an array of its members in order; omitempty
// has no effect, since a member's place is its meaning.
func newPositionalEncoder(t reflect.Type) encoderFunc {
	si := cachedStructInfo(t)
	encs := make([]encoderFunc, len(si.Fields))
	for i := range si.Fields {
		encs[i] = encoderFor(si.Fields[i].Type)
	}
	return func(e *encState, v reflect.Value) error {
		if err := e.enter(); err != nil {
			return err
		}
		e.buf = append(e.buf, '[')
		for i := range si.Fields {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			fv, ok := structfields.ByIndex(v, si.Fields[i].Index, false)
			if !ok {
				e.buf = append(e.buf, "null"...) // a member behind a nil embedded pointer
				continue
			}
			if err := encs[i](e, fv); err != nil {
				return prefixPath(err, "["+strconv.Itoa(i)+"]")
			}
		}
		e.buf = append(e.buf, ']')
		e.depth--
		return nil
	}
}

// isEmptyInterface reports whether t is any.
func isEmptyInterface(t reflect.Type) bool {
	return t.Kind() == reflect.Interface && t.NumMethod() == 0
}

// heldPointer returns the non-nil pointer the interface value v holds, if it holds one.
func heldPointer(v reflect.Value) (reflect.Value, bool) {
	if v.Kind() != reflect.Interface || v.IsNil() {
		return reflect.Value{}, false
	}
	p := v.Elem()
	return p, p.Kind() == reflect.Pointer && !p.IsNil()
}

// unfilledPointers refuses an array shorter than the pointers an []any or [N]any target holds
// for it: elements n to had-1 would otherwise be dropped or zeroed, leaving what they point to
// silently unset.
func unfilledPointers(v reflect.Value, n, had int, at int) error {
	for i := n; i < had; i++ {
		if _, ok := heldPointer(v.Index(i)); ok {
			return &UnmarshalTypeError{Value: "array", Type: v.Type(), Offset: int64(at),
				Msg: "array of " + strconv.Itoa(n) + " elements, but the target holds a pointer at index " + strconv.Itoa(i)}
		}
	}
	return nil
}
