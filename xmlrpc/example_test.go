package xmlrpc_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

func ExampleMarshalCall() {
	doc, err := xmlrpc.MarshalCall("add", 2, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(doc))
	// Output:
	// <?xml version="1.0"?><methodCall><methodName>add</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>
}

func ExampleDecodeCall() {
	doc := []byte(`<?xml version="1.0"?>
<methodCall>
  <methodName>user.create</methodName>
  <params>
    <param><value><struct>
      <member><name>name</name><value>Ada</value></member>
      <member><name>born</name><value><dateTime.iso8601>18151210T00:00:00</dateTime.iso8601></value></member>
    </struct></value></param>
  </params>
</methodCall>`)
	call, err := xmlrpc.DecodeCall(doc)
	if err != nil {
		panic(err)
	}
	var user struct {
		Name string    `xmlrpc:"name"`
		Born time.Time `xmlrpc:"born"`
	}
	if err := call.DecodeParam(0, &user); err != nil {
		panic(err)
	}
	fmt.Println(call.Method, call.NumParams(), user.Name, user.Born.Year())
	// Output:
	// user.create 1 Ada 1815
}

func ExampleUnmarshalResponse() {
	var sum int
	err := xmlrpc.UnmarshalResponse([]byte(`<methodResponse><params><param><value><i4>5</i4></value></param></params></methodResponse>`), &sum)
	fmt.Println(sum, err)
	// Output:
	// 5 <nil>
}

func ExampleUnmarshalResponse_fault() {
	doc, _ := xmlrpc.MarshalFault(&xmlrpc.Fault{Code: -32601, String: "method not found"})
	err := xmlrpc.UnmarshalResponse(doc, nil)
	var fault *xmlrpc.Fault
	if errors.As(err, &fault) {
		fmt.Println("remote fault", fault.Code, fault.String)
	}
	// Output:
	// remote fault -32601 method not found
}

func ExampleUnmarshal_any() {
	var v any
	err := xmlrpc.Unmarshal([]byte(`<value><struct>
  <member><name>id</name><value><i8>9007199254740993</i8></value></member>
  <member><name>tags</name><value><array><data><value>a</value><value><nil/></value></data></array></value></member>
</struct></value>`), &v)
	fmt.Printf("%#v %v\n", v, err)
	// Output:
	// map[string]interface {}{"id":9007199254740993, "tags":[]interface {}{"a", interface {}(nil)}} <nil>
}

func ExampleMarshal() {
	type Row struct {
		ID      int64  `xmlrpc:"id"`
		Name    string `xmlrpc:"name"`
		Comment string `xmlrpc:"comment,omitempty"`
		Secret  string `xmlrpc:"-"`
	}
	b, err := xmlrpc.Marshal(Row{ID: 1 << 40, Name: "x<y", Secret: "s"})
	fmt.Println(string(b), err)
	// Output:
	// <value><struct><member><name>id</name><value><i8>1099511627776</i8></value></member><member><name>name</name><value><string>x&lt;y</string></value></member></struct></value> <nil>
}

func ExampleEncoder_SetDialect() {
	e := xmlrpc.NewEncoder(os.Stdout)
	e.SetDialect(xmlrpc.DialectApache)
	if err := e.Encode([]any{int64(1) << 40, nil}); err != nil {
		panic(err)
	}
	// Output:
	// <value xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"><array><data><value><ex:i8>1099511627776</ex:i8></value><value><ex:nil/></value></data></array></value>
}

func ExampleEncoder_SetAllowNil() {
	e := xmlrpc.NewEncoder(os.Stdout)
	e.SetAllowNil(false) // for peers that cannot read <nil/>
	err := e.EncodeCall("update", map[string]any{"owner": nil})
	fmt.Println(errors.Is(err, xmlrpc.ErrNilRefused))
	fmt.Println(err)
	// Output:
	// true
	// xmlrpc: unsupported value nil at params[0].owner: xmlrpc: nil is not allowed by this encoder
}
