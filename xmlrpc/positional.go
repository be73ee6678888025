package xmlrpc

import (
	"reflect"
	"strconv"

	"github.com/harp-rpc/harp/internal/structfields"
)

// A positional struct is one whose blank field carries the tag option "array":
//
//	type TailLog struct {
//		_        struct{} `xmlrpc:",array"`
//		Bytes    string
//		Offset   int64
//		Overflow bool
//	}
//
// It is an XML-RPC array on the wire, its members in declaration order: supervisord's
// tailProcessStdoutLog answers [string, int, bool], which decodes into TailLog.

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
	return func(d *decoder, e elem, v reflect.Value) error {
		el := &e
		if el.kind != kArray {
			return notKind(d, el, v)
		}
		n := 0
		err := d.arrayItems(el, func(i int) error {
			n++
			if i >= want {
				return d.valueDec(reflect.Value{}, nil) // counted, checked, reported below
			}
			fv, _ := structfields.ByIndex(v, si.Fields[i].Index, true)
			return d.valueDec(fv, decs[i]) // the error's path names the element: [i]
		})
		if err != nil {
			return err
		}
		if n != want {
			return &UnmarshalTypeError{Value: "array", Type: t, Offset: int64(el.offset),
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
		e.buf = append(e.buf, "<array><data>"...)
		for i := range si.Fields {
			f := &si.Fields[i]
			e.buf = append(e.buf, "<value>"...)
			fv, ok := structfields.ByIndex(v, f.Index, false)
			var err error
			if ok {
				err = encs[i](e, fv)
			} else {
				err = e.writeNil() // a member behind a nil embedded pointer
			}
			if err != nil {
				return withPath(err, "["+strconv.Itoa(i)+"]")
			}
			e.buf = append(e.buf, "</value>"...)
		}
		e.buf = append(e.buf, "</data></array>"...)
		e.depth--
		return nil
	}
}
