// Package structfields is the struct-field cache the xmlrpc and jsonrpc codecs share: which
// fields of a Go struct are members on the wire, under which names, and how to find one by name.
//
// The rules are encoding/json's typeFields: exported fields are members, named by their tag (the
// first of Cache.Tags a field carries) or their Go name; "-" skips a field and ",omitempty" marks
// it; the fields of an embedded struct without a tag name are flattened into the outer struct, and
// among fields of one name the shallowest wins, a tagged one breaks a tie at the same depth, and a
// tie that remains hides the name altogether. Members keep declaration order.
package structfields

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Field is one struct member as a codec sees it: a Go field, possibly inside embedded structs,
// reached through Index and known on the wire by Name.
type Field struct {
	Name      string
	NameBytes []byte // Name, for comparisons with names read from a document
	Index     []int  // as for reflect.Value.FieldByIndex
	Type      reflect.Type
	OmitEmpty bool
	// Encoded is what Cache.Prefix made of Name: the codec's pre-encoded member prefix.
	Encoded []byte
	// EncodeErr is Cache.Prefix's error: the name cannot be written, and encoding the field must
	// fail with it.
	EncodeErr error
}

// Info lists a struct type's members and indexes them by name.
type Info struct {
	Fields []Field
	exact  map[string]int // name -> index in Fields; nil for small structs, which are scanned
	folded map[string]int // lower-cased name -> index, for the case-insensitive fallback
}

// mapAbove is the number of fields above which Lookup uses maps rather than a scan.
const mapAbove = 8

// Cache builds and keeps the Info of struct types under one codec's rules. Its configuration
// must be set before first use and not changed; it is then safe for concurrent use.
type Cache struct {
	// Tags are the struct tag keys naming a field, in order of precedence ("json", "xmlrpc").
	Tags []string
	// Leaf reports struct types that are values of their own (time.Time), whose fields are not
	// flattened when they are embedded; nil means none.
	Leaf func(reflect.Type) bool
	// Prefix pre-encodes a member name into Field.Encoded; nil leaves Encoded empty.
	Prefix func(name string) ([]byte, error)

	m sync.Map // reflect.Type -> *Info
}

// Info returns the members of the struct type t, built on first use and cached.
func (c *Cache) Info(t reflect.Type) *Info {
	if si, ok := c.m.Load(t); ok {
		return si.(*Info)
	}
	si, _ := c.m.LoadOrStore(t, c.build(t))
	return si.(*Info)
}

// Lookup returns the index in si.Fields of the member called name, an exact match first and
// then a case-insensitive one, or -1.
func (si *Info) Lookup(name []byte) int {
	if si.exact != nil {
		if i, ok := si.exact[string(name)]; ok {
			return i
		}
		if i, ok := si.folded[strings.ToLower(string(name))]; ok {
			return i
		}
		return -1
	}
	for i := range si.Fields {
		if string(si.Fields[i].NameBytes) == string(name) {
			return i
		}
	}
	for i := range si.Fields {
		if bytes.EqualFold(si.Fields[i].NameBytes, name) {
			return i
		}
	}
	return -1
}

// tag returns a field's tag under the first of c.Tags it carries.
func (c *Cache) tag(sf reflect.StructField) string {
	for _, k := range c.Tags {
		if tag, ok := sf.Tag.Lookup(k); ok {
			return tag
		}
	}
	return ""
}

// Positional reports whether the struct type t is a positional struct: one whose blank field
// ("_") carries the tag option "array" under the first of c.Tags it has, so that the codecs read
// it from an array, element i into member i, and write it as one.
func (c *Cache) Positional(t reflect.Type) bool {
	for i := range t.NumField() {
		if sf := t.Field(i); sf.Name == "_" && HasOption(c.tag(sf), "array") {
			return true
		}
	}
	return false
}

// HasOption reports whether a struct tag's comma-separated options, after its name, include opt.
func HasOption(tag, opt string) bool {
	_, opts, _ := strings.Cut(tag, ",")
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
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

// candidate is a field seen while walking the embedded structs, before name conflicts are
// resolved.
type candidate struct {
	Field
	depth  int
	tagged bool
}

// build walks t and its embedded structs breadth first, then resolves name conflicts.
func (c *Cache) build(t reflect.Type) *Info {
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
				tag := c.tag(sf)
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
					if et.Kind() == reflect.Struct && (c.Leaf == nil || !c.Leaf(et)) {
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
					Field:  Field{Name: name, Index: index, Type: ft, OmitEmpty: omit},
					depth:  depth,
					tagged: tagged,
				})
			}
		}
	}
	return c.index(dominant(cands))
}

// dominant keeps, for each name, the field that wins under Go's visibility rules, in
// declaration order.
func dominant(cands []candidate) []Field {
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].Name != cands[j].Name {
			return cands[i].Name < cands[j].Name
		}
		if cands[i].depth != cands[j].depth {
			return cands[i].depth < cands[j].depth
		}
		return cands[i].tagged && !cands[j].tagged
	})
	var fields []Field
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && cands[j].Name == cands[i].Name {
			j++
		}
		c := cands[i]
		if j-i == 1 || cands[i+1].depth > c.depth || (c.tagged && !cands[i+1].tagged) {
			fields = append(fields, c.Field)
		}
		i = j
	}
	sort.Slice(fields, func(i, j int) bool { return indexLess(fields[i].Index, fields[j].Index) })
	return fields
}

// index fills in the names' encodings and the lookup maps.
func (c *Cache) index(fields []Field) *Info {
	si := &Info{Fields: fields}
	for i := range si.Fields {
		f := &si.Fields[i]
		f.NameBytes = []byte(f.Name)
		if c.Prefix != nil {
			f.Encoded, f.EncodeErr = c.Prefix(f.Name)
		}
	}
	if len(fields) > mapAbove {
		si.exact = make(map[string]int, len(fields))
		si.folded = make(map[string]int, len(fields))
		for i := len(fields) - 1; i >= 0; i-- {
			si.exact[fields[i].Name] = i
			si.folded[strings.ToLower(fields[i].Name)] = i
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

// ByIndex returns the field of v at index, allocating nil embedded pointers when alloc is set;
// without alloc it reports false when it meets a nil embedded pointer.
func ByIndex(v reflect.Value, index []int, alloc bool) (reflect.Value, bool) {
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
