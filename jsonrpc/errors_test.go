package jsonrpc_test

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/harp-rpc/harp/jsonrpc"
)

func TestErrorCodes(t *testing.T) {
	decodeErr := func(doc string, v any) error { return jsonrpc.Unmarshal([]byte(doc), v) }
	var n int
	var s struct{ A int }
	_, _, emptyBatch := jsonrpc.DecodeRequests([]byte(`[]`))
	for _, tt := range []struct {
		err  error
		code int
	}{
		{nil, 0},
		{decodeErr(`{`, &n), jsonrpc.CodeParseError},
		{decodeErr(`[[[`+"1"+`]]]`, &n), jsonrpc.CodeInvalidParams},
		{jsonrpc.DecodeOptions{MaxDepth: 1}.Unmarshal([]byte(`[[1]]`), &n), jsonrpc.CodeParseError},
		{jsonrpc.DecodeOptions{DisallowUnknownFields: true}.Unmarshal([]byte(`{"B":1}`), &s), jsonrpc.CodeInvalidParams},
		{emptyBatch, jsonrpc.CodeInvalidRequest},
		{fmt.Errorf("wrapped: %w", &jsonrpc.Error{Code: 12}), 12},
		{faultLike{}, 4},
		{errors.New("other"), jsonrpc.CodeInternalError},
	} {
		if got := jsonrpc.ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%v) = %d, want %d", tt.err, got, tt.code)
		}
	}
	je := &jsonrpc.Error{Code: 5, Message: "m", Data: 1}
	if got := jsonrpc.AsError(fmt.Errorf("ctx: %w", je), 1); got != je {
		t.Errorf("AsError of a wrapped *Error: %v", got)
	}
	if got := jsonrpc.AsError(faultLike{}, 1); got.Code != 4 || got.Message != "too many parameters" {
		t.Errorf("AsError of a fault: %v", got)
	}
	if got := jsonrpc.AsError(errors.New("boom"), 7); got.Code != 7 || got.Message != "boom" {
		t.Errorf("AsError of a plain error: %v", got)
	}
	if got := jsonrpc.AsError(decodeErr(`"x"`, &n), 7); got.Code != jsonrpc.CodeInvalidParams {
		t.Errorf("AsError of a type error: %v", got)
	}
	if jsonrpc.AsError(nil, 1) != nil {
		t.Error("AsError(nil)")
	}
	if je.Error() != "jsonrpc: error 5: m" || je.FaultCode() != 5 || je.FaultString() != "m" {
		t.Errorf("Error methods: %q", je.Error())
	}
	var ie *jsonrpc.InvalidUnmarshalError
	if err := jsonrpc.Unmarshal([]byte(`1`), n); !errors.As(err, &ie) {
		t.Errorf("non-pointer: %v", err)
	}
	if err := jsonrpc.Unmarshal([]byte(`1`), nil); !errors.As(err, &ie) {
		t.Errorf("nil: %v", err)
	}
}

func TestTypeName(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{0, "integer"}, {int64(0), "integer"}, {uint8(0), "integer"}, {0.5, "number"}, {"", "string"}, {true, "boolean"},
		{[]byte(nil), "string"}, {time.Time{}, "string"}, {[]int(nil), "array"}, {[2]int{}, "array"},
		{map[string]int(nil), "object"}, {struct{}{}, "object"}, {new(int), "integer"}, {new(big.Int), "integer"},
		{new(big.Float), "number"}, {upper(""), "any"}, {make(chan int), "any"},
	} {
		if got := jsonrpc.TypeName(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("TypeName(%T) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if jsonrpc.TypeName(nil) != "null" || jsonrpc.TypeName(reflect.TypeFor[any]()) != "any" {
		t.Error("TypeName of nil or any")
	}
}

func TestConvert(t *testing.T) {
	var dst struct {
		Name string    `json:"name"`
		At   time.Time `json:"at"`
		IDs  []int64   `json:"ids"`
	}
	src := map[string]any{"name": "x", "at": "2024-01-02T03:04:05Z", "ids": []any{1, int64(1) << 40}}
	if err := jsonrpc.Convert(src, &dst); err != nil || dst.Name != "x" || dst.At.Year() != 2024 || !reflect.DeepEqual(dst.IDs, []int64{1, 1 << 40}) {
		t.Errorf("Convert: %+v %v", dst, err)
	}
	var n int
	if err := jsonrpc.Convert("x", &n); err == nil {
		t.Error("Convert of a string into an int: no error")
	}
}
