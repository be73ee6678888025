package jsonrpc

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// field is one struct member as the codec sees it: a possibly embedded Go field reached through
// index, known by name on the wire.
type field struct {
	name      string
	nameBytes []byte
	index     []int
	typ       reflect.Type
	omitEmpty bool
	// encoded is the `"name":` prefix, with a leading comma for all but the first field written.
	encoded []byte
}

// structInfo lists a struct type's wire members and indexes them for decoding.
type structInfo struct {
	fields []field
	exact  map[string]int // name -> index in fields; nil for small structs
	folded map[string]int // lower-cased name -> index, for the case-insensitive fallback
}

var structCache sync.Map // reflect.Type -> *structInfo

func cachedStructInfo(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si, _ := structCache.LoadOrStore(t, buildStructInfo(t))
	return si.(*structInfo)
}

// lookup returns the index in si.fields of the field for a member name, an exact match first and
// then a case-insensitive one, or -1.
func (si *structInfo) lookup(name []byte) int {
	if si.exact != nil {
		if i, ok := si.exact[string(name)]; ok {
			return i
		}
		if i, ok := si.folded[strings.ToLower(string(name))]; ok {
			return i
		}
		return -1
	}
	for i := range si.fields {
		if string(si.fields[i].nameBytes) == string(name) {
			return i
		}
	}
	for i := range si.fields {
		if bytes.EqualFold(si.fields[i].nameBytes, name) {
			return i
		}
	}
	return -1
}

// fieldTag returns a field's wire name and options: its `json` tag, or failing that its `xmlrpc`
// tag, so that a struct written for XML-RPC has the same member names over JSON-RPC.
func fieldTag(sf reflect.StructField) (tag string, ok bool) {
	if tag, ok = sf.Tag.Lookup("json"); ok {
		return tag, true
	}
	return sf.Tag.Lookup("xmlrpc")
}

func parseTag(tag string) (name string, omitEmpty bool) {
	name, opts, _ := strings.Cut(tag, ",")
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == "omitempty" {
			omitEmpty = true
		}
	}
	return name, omitEmpty
}

// buildStructInfo applies Go's visibility rules for embedded fields, as encoding/json does: among
// fields of the same name the shallowest wins, a tagged one breaks a tie, and a remaining tie
// hides the name altogether.
func buildStructInfo(t reflect.Type) *structInfo {
	type candidate struct {
		field
		depth  int
		tagged bool
	}
	type queued struct {
		t     reflect.Type
		index []int
	}
	var cands []candidate
	current := []queued{}
	next := []queued{{t: t}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(next) > 0; depth++ {
		current, next = next, current[:0]
		for _, q := range current {
			if visited[q.t] {
				continue
			}
			visited[q.t] = true
			for i := 0; i < q.t.NumField(); i++ {
				sf := q.t.Field(i)
				tag, _ := fieldTag(sf)
				if tag == "-" {
					continue
				}
				name, omit := parseTag(tag)
				index := append(append([]int(nil), q.index...), i)
				ft := sf.Type
				if sf.Anonymous && name == "" {
					et := ft
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if et.Kind() == reflect.Struct && et != timeType {
						if !sf.IsExported() && ft.Kind() == reflect.Pointer {
							continue // cannot allocate through an unexported pointer
						}
						next = append(next, queued{t: et, index: index})
						continue
					}
				}
				if !sf.IsExported() {
					continue
				}
				tagged := name != ""
				if name == "" {
					name = sf.Name
				}
				cands = append(cands, candidate{
					field:  field{name: name, index: index, typ: ft, omitEmpty: omit},
					depth:  depth,
					tagged: tagged,
				})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].name != cands[j].name {
			return cands[i].name < cands[j].name
		}
		if cands[i].depth != cands[j].depth {
			return cands[i].depth < cands[j].depth
		}
		return cands[i].tagged && !cands[j].tagged
	})
	var fields []field
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && cands[j].name == cands[i].name {
			j++
		}
		c := cands[i]
		if j-i == 1 || cands[i+1].depth > c.depth || (c.tagged && !cands[i+1].tagged) {
			fields = append(fields, c.field)
		}
		i = j
	}
	sort.Slice(fields, func(i, j int) bool { return indexLess(fields[i].index, fields[j].index) })
	si := &structInfo{fields: fields}
	for i := range si.fields {
		f := &si.fields[i]
		f.nameBytes = []byte(f.name)
		enc := append([]byte{','}, '"')
		enc, _ = appendStringBody(enc, f.name) // a Go field or tag name: invalid UTF-8 is replaced
		f.encoded = append(enc, '"', ':')
	}
	if len(fields) > 8 {
		si.exact = make(map[string]int, len(fields))
		si.folded = make(map[string]int, len(fields))
		for i := len(fields) - 1; i >= 0; i-- {
			si.exact[fields[i].name] = i
			si.folded[strings.ToLower(fields[i].name)] = i
		}
	}
	return si
}

func indexLess(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

// fieldByIndex returns the field of v at index, allocating nil embedded pointers when alloc is
// set; without alloc it reports false when it meets a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int, alloc bool) (reflect.Value, bool) {
	if len(index) == 1 {
		return v.Field(index[0]), true
	}
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !alloc {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}
