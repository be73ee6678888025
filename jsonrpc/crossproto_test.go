package jsonrpc_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

// Record is a result as a Go method returns it, with XML-RPC tags only.
type Record struct {
	Name    string         `xmlrpc:"name"`
	Count   int            `xmlrpc:"count"`
	Big     int64          `xmlrpc:"big"`
	Ratio   float64        `xmlrpc:"ratio"`
	Whole   float64        `xmlrpc:"whole"`
	OK      bool           `xmlrpc:"ok"`
	Tags    []string       `xmlrpc:"tags"`
	None    []int          `xmlrpc:"none"`
	Meta    map[string]any `xmlrpc:"meta"`
	Missing *int           `xmlrpc:"missing"`
	Blob    []byte         `xmlrpc:"blob"`
	At      time.Time      `xmlrpc:"at"`
}

// TestSameMeaningAsXMLRPC checks the promise of the type mapping: a value a Go method returns,
// read back over XML-RPC and over JSON-RPC, means the same thing. Into interfaces both codecs give
// the same natural Go values (except []byte and time.Time, which JSON carries as strings); into
// typed Go values both give the same values, those included.
func TestSameMeaningAsXMLRPC(t *testing.T) {
	in := Record{Name: "ü & <x>", Count: -7, Big: math.MaxInt64, Ratio: 0.1, Whole: 2, OK: true, Tags: []string{"a", ""},
		Meta: map[string]any{"n": 1, "l": int64(1) << 40, "f": 1.5, "nested": []any{"x", false, nil}},
		Blob: []byte{0, 0xff, 'z'}, At: time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)}

	xdoc, err := xmlrpc.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	jdoc, err := jsonrpc.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}

	var xv, jv any
	if err := xmlrpc.Unmarshal(xdoc, &xv); err != nil {
		t.Fatal(err)
	}
	if err := jsonrpc.Unmarshal(jdoc, &jv); err != nil {
		t.Fatal(err)
	}
	xm, jm := xv.(map[string]any), jv.(map[string]any)
	for _, k := range []string{"blob", "at"} { // the types JSON lacks: strings over JSON
		if _, ok := jm[k].(string); !ok {
			t.Errorf("%s over JSON-RPC: %T, want string", k, jm[k])
		}
		delete(xm, k)
		delete(jm, k)
	}
	if !reflect.DeepEqual(xm, jm) {
		t.Errorf("natural values differ\nxmlrpc  %#v\njsonrpc %#v", xm, jm)
	}

	var xr, jr Record
	if err := xmlrpc.Unmarshal(xdoc, &xr); err != nil {
		t.Fatal(err)
	}
	if err := jsonrpc.Unmarshal(jdoc, &jr); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(xr, jr) {
		t.Errorf("typed values differ\nxmlrpc  %#v\njsonrpc %#v", xr, jr)
	}
}
