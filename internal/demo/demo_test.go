package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/harp-rpc/harp/rpc"
	"github.com/harp-rpc/harp/xmlrpc"
)

func newRegistry(t *testing.T, c *Counter) *rpc.Registry {
	t.Helper()
	reg, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(reg, c); err != nil {
		t.Fatal(err)
	}
	return reg
}

// call runs method through the registry the way a server does: the parameters go through the
// XML-RPC codec, and so does the result.
func call(t *testing.T, reg *rpc.Registry, method string, args ...any) (any, error) {
	t.Helper()
	doc, err := xmlrpc.MarshalCall(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := xmlrpc.DecodeCall(doc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Call(context.Background(), nil, method, c)
	if err != nil {
		return nil, err
	}
	out, err := xmlrpc.MarshalResponse(res)
	if err != nil {
		t.Fatalf("%s: result does not encode: %v", method, err)
	}
	var v any
	if err := xmlrpc.UnmarshalResponse(out, &v); err != nil {
		t.Fatal(err)
	}
	return v, nil
}

func TestSeed(t *testing.T) {
	reg := newRegistry(t, nil)
	for _, tc := range []struct {
		method string
		args   []any
		want   any
	}{
		{"pow", []any{2, 3}, 8},
		{"add", []any{2, 3}, 5},
		{"div", []any{7, 2}, 3},
		{"div", []any{-7, 2}, -4}, // rounded down, as Python's //
		{"math.pow", []any{2, 40}, int64(1) << 40},
		{"math.add", []any{-2, 3}, 1},
		{"math.div", []any{9, 3}, 3},
		{"pow", []any{-2, 63}, int64(math.MinInt64)},
	} {
		got, err := call(t, reg, tc.method, tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("%s%v = %v (%T), %v; want %v", tc.method, tc.args, got, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		method string
		args   []any
		want   error
	}{
		{"div", []any{1, 0}, ErrDivisionByZero},
		{"pow", []any{2, 64}, ErrOverflow},
		{"pow", []any{3, -1}, ErrNegativeExponent},
		{"add", []any{int64(math.MaxInt64), 1}, ErrOverflow},
	} {
		if _, err := call(t, reg, tc.method, tc.args...); !errors.Is(err, tc.want) {
			t.Errorf("%s%v: %v, want %v", tc.method, tc.args, err, tc.want)
		}
	}
}

func TestPowMatchesRepeatedMultiplication(t *testing.T) {
	for x := int64(-20); x <= 20; x++ {
		want, ok := int64(1), true
		for y := int64(0); y < 70; y++ {
			got, err := Pow(x, y)
			if ok != (err == nil) || (ok && got != want) {
				t.Fatalf("Pow(%d, %d) = %d, %v; want %d (fits: %v)", x, y, got, err, want, ok)
			}
			if ok {
				want, ok = mulExact(want, x)
			}
		}
	}
}

func TestEchoAndTime(t *testing.T) {
	reg := newRegistry(t, nil)
	in := map[string]any{"a": []any{1, "two", 3.5, true, nil, []byte("hi")}, "big": int64(1) << 40}
	got, err := call(t, reg, "echo", in)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("echo: %#v, %v", got, err)
	}
	before := time.Now().Add(-time.Second)
	got, err = call(t, reg, "time.now")
	if tm, ok := got.(time.Time); err != nil || !ok || tm.Before(before.Truncate(time.Second)) || tm.After(time.Now().Add(time.Second)) {
		t.Fatalf("time.now: %v, %v", got, err)
	}
}

func stooges(moe, larry, curly int) map[string]any {
	return map[string]any{"moe": moe, "larry": larry, "curly": curly, "extra": "ignored"}
}

func TestValidator1(t *testing.T) {
	reg := newRegistry(t, nil)
	check := func(method string, want any, args ...any) {
		t.Helper()
		got, err := call(t, reg, "validator1."+method, args...)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, %v; want %#v", method, got, err, want)
		}
	}
	check("arrayOfStructsTest", 6, []any{stooges(1, 2, 3), stooges(4, 5, 3)})
	check("countTheEntities", map[string]any{
		"ctLeftAngleBrackets": 2, "ctRightAngleBrackets": 1, "ctAmpersands": 3, "ctApostrophes": 1, "ctQuotes": 2,
	}, `<<>&&&'"" plain`)
	check("easyStructTest", 6, stooges(1, 2, 3))
	echo := map[string]any{"s": "x", "n": 1, "nested": map[string]any{"l": []any{1.5}}}
	check("echoStructTest", echo, echo)
	when := time.Date(1998, 7, 17, 14, 8, 55, 0, time.UTC)
	check("manyTypesTest", []any{42, true, "s", 1.5, when, []byte{1, 2}}, 42, true, "s", 1.5, when, []byte{1, 2})
	arr := make([]any, 150)
	for i := range arr {
		arr[i] = fmt.Sprint("item", i)
	}
	check("moderateSizeArrayCheck", "item0item149", arr)
	cal := map[string]any{
		"1999": map[string]any{"04": map[string]any{"01": stooges(100, 100, 100)}},
		"2000": map[string]any{
			"03": map[string]any{"01": stooges(9, 9, 9)},
			"04": map[string]any{"01": stooges(10, 20, 30), "02": map[string]any{}},
		},
	}
	check("nestedStructTest", 60, cal)
	check("simpleStructReturnTest", map[string]any{"times10": 70, "times100": 700, "times1000": 7000}, 7)

	if _, err := call(t, reg, "validator1.nestedStructTest", map[string]any{}); err == nil {
		t.Error("nestedStructTest without 2000-04-01 succeeded")
	}
	// Every method of the suite is registered, with help.
	for m := range validatorHelp {
		name := "validator1." + string(m[0]+'a'-'A') + m[1:]
		meth, ok := reg.Lookup(name)
		if !ok || meth.Help() == "" {
			t.Errorf("%s missing or without help", name)
		}
	}
}

func TestCounterCountsDuplicatesAcrossGoroutines(t *testing.T) {
	c := NewCounter(0)
	reg := newRegistry(t, c)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if _, err := call(t, reg, "counter.record", fmt.Sprint(g, "-", i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if c.Executions() != 800 || c.Duplicates() != 0 {
		t.Fatalf("executions %d duplicates %d", c.Executions(), c.Duplicates())
	}
	n, err := call(t, reg, "counter.record", "3-7")
	if err != nil || n != 2 || c.Duplicates() != 1 || c.Count("3-7") != 2 {
		t.Fatalf("repeat: %v %v, duplicates %d", n, err, c.Duplicates())
	}
	if d, _ := call(t, reg, "counter.duplicates"); d != 1 {
		t.Fatalf("counter.duplicates = %v", d)
	}

	small := NewCounter(2)
	small.Record("a")
	small.Record("b")
	if _, err := small.Record("c"); !errors.Is(err, ErrCounterFull) {
		t.Fatalf("full counter: %v", err)
	}
	if n, err := small.Record("a"); err != nil || n != 2 {
		t.Fatalf("known ID on a full counter: %d, %v", n, err)
	}
}
