package demo

import (
	"context"
	"errors"
	"testing"

	"github.com/harp-rpc/harp/jsonrpc"
)

func TestUserLogin(t *testing.T) {
	reg := newRegistry(t, nil)
	login := func(body string) (any, error) {
		reqs, _, err := jsonrpc.DecodeRequests([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return reg.Call(context.Background(), nil, reqs[0].Method, &reqs[0])
	}
	tok, err := login(`{"jsonrpc":"2.0","method":"user.login","params":{"username":"Admin","password":"zabbix"},"id":1}`)
	if s, _ := tok.(string); err != nil || len(s) != 32 {
		t.Fatalf("login: %v %v", tok, err)
	}
	again, _ := login(`{"jsonrpc":"2.0","method":"user.login","params":{"password":"zabbix","username":"Admin"},"id":2}`)
	if again != tok {
		t.Fatalf("tokens %v and %v for the same user", tok, again)
	}
	_, err = login(`{"jsonrpc":"2.0","method":"user.login","params":{"username":"Admin","password":"secret"},"id":3}`)
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != jsonrpc.CodeInvalidParams || je.Data == nil {
		t.Fatalf("wrong password: %v", err)
	}
	// Over XML-RPC the same method takes one struct.
	if v, err := call(t, reg, "user.login", map[string]any{"username": "Admin", "password": "zabbix"}); err != nil || v != tok {
		t.Fatalf("over XML-RPC: %v %v", v, err)
	}
}
