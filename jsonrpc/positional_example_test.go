package jsonrpc_test

import (
	"fmt"

	"github.com/harp-rpc/harp/jsonrpc"
)

// A positional struct, tagged as for XML-RPC, reads and writes a JSON array.
func Example_positional() {
	type TailLog struct {
		_        struct{} `xmlrpc:",array"`
		Bytes    string
		Offset   int64
		Overflow bool
	}
	var log TailLog
	err := jsonrpc.UnmarshalResponse([]byte(`{"jsonrpc":"2.0","id":1,"result":["started",1024,false]}`), &log)
	fmt.Printf("%q %d %v %v\n", log.Bytes, log.Offset, log.Overflow, err)
	b, _ := jsonrpc.Marshal(log)
	fmt.Println(string(b))
	// Output:
	// "started" 1024 false <nil>
	// ["started",1024,false]
}
