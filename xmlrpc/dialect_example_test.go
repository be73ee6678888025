package xmlrpc_test

import (
	"fmt"
	"time"

	"github.com/harp-rpc/harp/xmlrpc"
)

// A positional struct reads an answer that is an array of mixed types, such as supervisord's
// tailProcessStdoutLog; pointers in an []any target are filled too.
func Example_positional() {
	type TailLog struct {
		_        struct{} `xmlrpc:",array"`
		Bytes    string
		Offset   int64
		Overflow bool
	}
	answer := []byte(`<methodResponse><params><param><value><array><data>
		<value>started</value><value><int>1024</int></value><value><boolean>0</boolean></value>
	</data></array></value></param></params></methodResponse>`)

	var log TailLog
	err := xmlrpc.UnmarshalResponse(answer, &log)
	fmt.Printf("%q %d %v %v\n", log.Bytes, log.Offset, log.Overflow, err)

	var (
		text     string
		offset   int
		overflow bool
	)
	target := []any{&text, &offset, &overflow}
	err = xmlrpc.UnmarshalResponse(answer, &target)
	fmt.Printf("%q %d %v %v\n", text, offset, overflow, err)
	// Output:
	// "started" 1024 false <nil>
	// "started" 1024 false <nil>
}

// Input dialects are read unless Strict; output is strict: decimal doubles, and whole seconds
// unless SecondDigits asks for a fraction.
func Example_dialects() {
	doc := []byte(`<value><array><data><value><boolean>true</boolean></value><value><int>5000000000</int></value></data></array></value>`)
	var v []any
	fmt.Println(xmlrpc.Unmarshal(doc, &v), v)
	fmt.Println(xmlrpc.DecodeOptions{Strict: true}.Unmarshal(doc, &v))

	b, _ := xmlrpc.Marshal(1.5e-9)
	fmt.Println(string(b))
	when := time.Date(1998, 7, 17, 14, 8, 55, 250_000_000, time.UTC)
	b, _ = xmlrpc.Marshal(when)
	fmt.Println(string(b))
	b, _ = xmlrpc.EncodeOptions{SecondDigits: 3}.AppendValue(nil, when)
	fmt.Println(string(b))
	// Output:
	// <nil> [true 5000000000]
	// xmlrpc: syntax error at offset 27: invalid boolean "true" (want 0 or 1: strict)
	// <value><double>0.0000000015</double></value>
	// <value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>
	// <value><dateTime.iso8601>19980717T14:08:55.250</dateTime.iso8601></value>
}
