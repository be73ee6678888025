package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/harp-rpc/harp/rpc"
)

func TestNamingName(t *testing.T) {
	tests := []struct{ in, camel, snake string }{
		{"Add", "add", "add"},
		{"GetAllItems", "getAllItems", "get_all_items"},
		{"HTTPGet", "httpGet", "http_get"},
		{"ID", "id", "id"},
		{"UserID", "userID", "user_id"},
		{"GetHTTPStatus", "getHTTPStatus", "get_http_status"},
		{"Base64Encode", "base64Encode", "base64_encode"},
		{"X", "x", "x"},
		{"ÉtatGénéral", "étatGénéral", "état_général"},
	}
	for _, tt := range tests {
		if got := rpc.LowerCamel.Name(tt.in); got != tt.camel {
			t.Errorf("LowerCamel %s = %s, want %s", tt.in, got, tt.camel)
		}
		if got := rpc.SnakeCase.Name(tt.in); got != tt.snake {
			t.Errorf("SnakeCase %s = %s, want %s", tt.in, got, tt.snake)
		}
		if got := rpc.AsWritten.Name(tt.in); got != tt.in {
			t.Errorf("AsWritten %s = %s", tt.in, got)
		}
	}
}

type inventory struct{}

func (inventory) GetItem(id int) (string, error) { return fmt.Sprint("item ", id), nil }
func (inventory) ListAllItems() []string         { return []string{"a"} }

func TestRegisterValueNamed(t *testing.T) {
	for _, tt := range []struct {
		naming rpc.Naming
		names  []string
	}{
		{rpc.SnakeCase, []string{"inv.get_item", "inv.list_all_items"}},
		{rpc.AsWritten, []string{"inv.GetItem", "inv.ListAllItems"}},
		{rpc.LowerCamel, []string{"inv.getItem", "inv.listAllItems"}},
	} {
		r, _ := rpc.NewRegistry(nil)
		if err := r.RegisterValueNamed("inv", inventory{}, tt.naming); err != nil {
			t.Fatal(err)
		}
		for _, name := range tt.names {
			if _, ok := r.Lookup(name); !ok {
				t.Errorf("%v: %s not registered", tt.naming, name)
			}
		}
		if got := len(r.Methods()); got != len(tt.names)+len(mustMethods(t)) {
			t.Errorf("%v: %d methods", tt.naming, got)
		}
	}
	r, _ := rpc.NewRegistry(nil)
	if err := r.RegisterValueNamed("inv", inventory{}, rpc.Naming(7)); !errors.Is(err, rpc.ErrUnsupported) {
		t.Fatalf("Naming(7): err = %v", err)
	}
	if len(r.Methods()) != len(mustMethods(t)) {
		t.Fatal("a refused naming registered methods")
	}
	if err := r.RegisterValueNamed("", inventory{}, rpc.SnakeCase); err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(context.Background(), nil, "get_item", (*rpc.Protocol)(nil).ValueParams([]any{3}))
	if err != nil || res != "item 3" {
		t.Fatalf("get_item = %v, %v", res, err)
	}
}

// mustMethods returns the built-in methods of a fresh registry.
func mustMethods(t *testing.T) []*rpc.Method {
	t.Helper()
	r, err := rpc.NewRegistry(nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Methods()
}

// RegisterValueNamed serves a Go type under the names a Python client expects.
func ExampleRegistry_RegisterValueNamed() {
	reg, _ := rpc.NewRegistry(nil)
	if err := reg.RegisterValueNamed("inventory", inventory{}, rpc.SnakeCase); err != nil {
		panic(err)
	}
	res, err := reg.Call(context.Background(), nil, "inventory.get_item", (*rpc.Protocol)(nil).ValueParams([]any{7}))
	fmt.Println(res, err)
	fmt.Println(rpc.SnakeCase.Name("HTTPGetAllItems"), rpc.LowerCamel.Name("HTTPGetAllItems"))
	// Output:
	// item 7 <nil>
	// http_get_all_items httpGetAllItems
}
