package xmlrpc

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/internal/fastpath"
)

// bothPaths decodes data with fastCall and with fullCall alone, and reports whether fastCall
// accepted it, both results, and fullCall's error.
func bothPaths(t testing.TB, data []byte) (fast bool, fc, full *Call, err error) {
	t.Helper()
	var o DecodeOptions
	d, perr := o.prepare(data)
	if perr != nil {
		return false, nil, nil, perr
	}
	fc = &Call{opts: o}
	fast = d.fastCall(fc, nil)
	putDecoder(d)
	d, _ = o.prepare(data)
	full = &Call{opts: o}
	err = d.fullCall(full, nil)
	putDecoder(d)
	return fast, fc, full, err
}

// checkAgree fails unless every call fastCall accepts is one fullCall accepts with the same
// method and parameter offsets.
func checkAgree(t testing.TB, data []byte) bool {
	t.Helper()
	fast, fc, full, err := bothPaths(t, data)
	if !fast {
		return false
	}
	if err != nil {
		t.Fatalf("fastCall accepted %q, which fullCall refuses: %v", data, err)
	}
	if fc.Method != full.Method || !slices.Equal(fc.offsets, full.offsets) {
		t.Fatalf("%q: fastCall gives %q %v, fullCall %q %v", data, fc.Method, fc.offsets, full.Method, full.offsets)
	}
	// fastCall reads no options, so what it takes must not depend on them: the strict parser
	// accepts it too (fastCall leaves ints beyond 32 bits and booleans to the general path).
	strict := DecodeOptions{Strict: true}
	if d, err := strict.prepare(data); err == nil {
		err = d.fullCall(&Call{opts: strict}, nil)
		putDecoder(d)
		if err != nil {
			t.Fatalf("fastCall accepted %q, which fullCall refuses with Strict: %v", data, err)
		}
	}
	// the parameters fastCall read decode as the general decoder decodes them
	for i := range fc.offsets {
		for _, newTarget := range []func() any{
			func() any { return new(int) }, func() any { return new(int64) }, func() any { return new(string) },
			func() any { return new(int32) }, func() any { return new(any) },
		} {
			a, b := newTarget(), newTarget()
			errA, errB := fc.DecodeParam(i, a), full.DecodeParam(i, b)
			if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: params[%d] into %T: %v, %v with fastCall, %v, %v without", data, i, a,
					reflect.ValueOf(a).Elem(), errA, reflect.ValueOf(b).Elem(), errB)
			}
		}
	}
	return true
}

// TestFastCallAgrees checks fastCall against fullCall on a table of documents, and which ones
// fastCall takes. It calls both directly, so it checks fastCall under the harp_nofastpath tag
// too, where DecodeCallTo no longer takes it (TestFastPathSwitch checks that).
func TestFastCallAgrees(t *testing.T) {
	const add = `<methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>`
	python := "<?xml version='1.0'?>\n<methodCall>\n<methodName>echo</methodName>\n<params>\n<param>\n<value><string>hi</string></value>\n</param>\n<param>\n<value><i4>-7</i4></value>\n</param>\n<param>\n<value>untyped \u00e9</value>\n</param>\n</params>\n</methodCall>\n"
	for _, tt := range []struct {
		doc  string
		fast bool // fastCall must take it
	}{
		{`<?xml version="1.0"?>` + add, true},
		{add, true},
		{python, true},
		{`<methodCall><methodName> sys.list </methodName></methodCall>`, true},
		{`<methodCall><methodName>m</methodName><params></params></methodCall>`, true},
		{`<methodCall><methodName>m</methodName><params><param><value></value></param></params></methodCall>`, true},
		{`<methodCall><methodName>m</methodName><params><param><value> <int> 5 </int> </value></param></params></methodCall>`, true},
		{`<methodCall><methodName>m</methodName><params><param><value><string></string></value></param></params></methodCall>`, true},
		// not handled by fastCall, valid or not: fullCall decides
		{`<methodCall><methodName>m</methodName><params><param><value><int>2</i4></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><int>2147483648</int></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><int>` + strings.Repeat("1", 200) + `</int></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><int>x</int></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><string>a&amp;b</string></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><boolean>1</boolean></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><string>a]]>b</string></value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param><value>a<!-- c -->b</value></param></params></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params><param></param></params></methodCall>`, false},
		{`<methodCall><methodName></methodName></methodCall>`, false},
		{`<methodCall><methodName>m</methodName></methodCall>trailing`, false},
		{`<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param>`, false},
		{`<methodCall xmlns:x="u"><methodName>m</methodName></methodCall>`, false},
		{`<methodCall><methodName>m</methodName><params/></methodCall>`, false},
		{"<methodCall><methodName>m\r</methodName></methodCall>", false},
		{`<methodCall><methodName>m</methodName></methodCall><methodCall/>`, false},
	} {
		if got := checkAgree(t, []byte(tt.doc)); got != tt.fast {
			t.Errorf("fastCall took %q: %v, want %v", tt.doc, got, tt.fast)
		}
	}
}

// FuzzFastCall checks that fastCall never accepts what fullCall refuses, nor reads a call
// differently. Like TestFastCallAgrees it calls both directly, with or without harp_nofastpath.
func FuzzFastCall(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkAgree(t, data) })
}

// TestFastPathSwitch checks that DecodeCallTo takes fastCall exactly when fastpath.Enabled: the
// parameters fastCall reads are offered by IntParam, which the general path leaves to
// DecodeParam. Both ways the call decodes the same.
func TestFastPathSwitch(t *testing.T) {
	c, err := DecodeCall([]byte(`<methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param></params></methodCall>`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.IntParam(0); ok != fastpath.Enabled {
		t.Fatalf("IntParam ok = %v with fastpath.Enabled = %v", ok, fastpath.Enabled)
	}
	var n int
	if err := c.DecodeParam(0, &n); err != nil || n != 2 {
		t.Fatalf("DecodeParam: %d, %v", n, err)
	}
}
