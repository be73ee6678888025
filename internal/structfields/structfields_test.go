package structfields

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type Inner struct {
	A int    // not Outer.A: names are case-sensitive
	B string `j:"bee"`
	C int    // ties with Other.C at the same depth: hidden
	D int    `j:"d"`
}

type Other struct {
	C int
	D int // a member of its own: Inner's D is named "d"
}

type Outer struct {
	A int `j:"a,omitempty"`
	Inner
	*Other
	time.Time
	Skip   int `j:"-"`
	hidden int
	Alt    int `k:"alt"`
	Both   int `j:"jname" k:"kname"`
}

func TestInfo(t *testing.T) {
	c := Cache{
		Tags:   []string{"j", "k"},
		Leaf:   func(t reflect.Type) bool { return t == reflect.TypeFor[time.Time]() },
		Prefix: func(name string) ([]byte, error) { return []byte("<" + name + ">"), nil },
	}
	si := c.Info(reflect.TypeFor[Outer]())
	var names []string
	for _, f := range si.Fields {
		names = append(names, f.Name)
		if string(f.Encoded) != "<"+f.Name+">" {
			t.Errorf("%s: Encoded %q", f.Name, f.Encoded)
		}
	}
	want := "a A bee d D Time alt jname"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("members %q, want %q", got, want)
	}
	if !si.Fields[0].OmitEmpty || si.Fields[2].OmitEmpty {
		t.Fatal("omitempty")
	}
	if c.Info(reflect.TypeFor[Outer]()) != si {
		t.Fatal("not cached")
	}
	for name, want := range map[string]int{"a": 0, "A": 1, "BEE": 2, "d": 3, "D": 4, "time": 5, "nope": -1, "C": -1} {
		if got := si.Lookup([]byte(name)); got != want {
			t.Errorf("Lookup(%q) = %d, want %d", name, got, want)
		}
	}
	var o Outer
	v := reflect.ValueOf(&o).Elem()
	d := si.Fields[4] // Other.D, through a nil pointer
	if _, ok := ByIndex(v, d.Index, false); ok {
		t.Fatal("ByIndex went through a nil pointer")
	}
	fv, ok := ByIndex(v, d.Index, true)
	if !ok || o.Other == nil {
		t.Fatal("ByIndex did not allocate")
	}
	fv.SetInt(7)
	if o.Other.D != 7 {
		t.Fatal("ByIndex gave another field")
	}
}

// TestLookupMaps checks that a large struct, indexed by maps, looks up as a small one does.
func TestLookupMaps(t *testing.T) {
	var sfs []reflect.StructField
	for i := range mapAbove + 3 {
		sfs = append(sfs, reflect.StructField{Name: "F" + strings.Repeat("x", i), Type: reflect.TypeFor[int]()})
	}
	var c Cache
	si := c.Info(reflect.StructOf(sfs))
	if si.exact == nil {
		t.Fatal("no maps")
	}
	for i, f := range si.Fields {
		if si.Lookup([]byte(f.Name)) != i || si.Lookup([]byte(strings.ToUpper(f.Name))) != i {
			t.Fatalf("Lookup(%s) wrong", f.Name)
		}
	}
	if si.Lookup([]byte("nope")) != -1 {
		t.Fatal("Lookup(nope)")
	}
}
