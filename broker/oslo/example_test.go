package oslo_test

import (
	"encoding/json"
	"fmt"

	"github.com/harp-rpc/harp/broker/oslo"
	"github.com/harp-rpc/harp/rpc"
)

// A request as oslo.messaging writes it, read back: the method, the keyword arguments, the
// call's reply queue and the request context.
func ExampleParseRequest() {
	body := []byte(`{"oslo.version": "2.0", "oslo.message": "{\"method\": \"add\", \"args\": {\"x\": 2, \"y\": 3}, \"_msg_id\": \"d0003ce9\", \"_reply_q\": \"reply_f23f\", \"_timeout\": null, \"_unique_id\": \"6ff8\", \"_context_user_id\": \"u1\"}"}`)
	req, err := oslo.ParseRequest(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Method, string(req.Args), req.IsCall(), req.ReplyQueue, req.Context["user_id"])
	// Output: add {"x": 2, "y": 3} true reply_f23f u1
}

// A harp fault travels as an oslo failure, double-encoded in the reply; a harp caller reads its
// code back, a Python caller gets oslo_messaging.RemoteError(exc_type="Fault").
func ExampleFailureFromFault() {
	f := oslo.FailureFromFault(4, "out of stock", "order")
	body, err := oslo.AppendReply(nil, &oslo.Reply{Failure: f, Ending: true, MsgID: "d0003ce9", UniqueID: "d608"})
	if err != nil {
		panic(err)
	}
	var env map[string]string
	_ = json.Unmarshal(body, &env)
	fmt.Println(env["oslo.message"])
	back, _ := oslo.ParseReply(body)
	fmt.Println(back.Failure.Code(1), back.Failure.FaultMessage())
	nsm := oslo.FailureFromFault(rpc.CodeMethodNotFound, `method not found: "nope"`, "nope")
	fmt.Println(nsm.Module+"."+nsm.Class, nsm.Code(1))
	// Output:
	// {"result": null, "failure": "{\"class\": \"Fault\", \"module\": \"harp\", \"message\": \"out of stock\", \"tb\": [\"harp fault 4: out of stock\\n\"], \"args\": [\"out of stock\"], \"kwargs\": {\"code\": 4}}", "ending": true, "_msg_id": "d0003ce9", "_unique_id": "d608"}
	// 4 out of stock
	// oslo_messaging.rpc.dispatcher.NoSuchMethod -32601
}
