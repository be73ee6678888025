package fleet_test

import (
	"fmt"

	"github.com/harp-rpc/harp/fleet"
)

// A fleet file is parsed into hosts and groups; a selector picks hosts in file order.
func ExampleFleet_Select() {
	fl, err := fleet.Parse("fleet.yaml", []byte(`
hosts:
  web1: {url: "http://10.0.0.1:9001/RPC2"}
  web2: {url: "http://10.0.0.2:9001/RPC2"}
  db1:  {url: "unix:///run/supervisor.sock"}
groups:
  web: [web1, web2]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	hosts, _ := fl.Select("db1,web")
	for _, h := range hosts {
		fmt.Println(h.Name, h.Hostname(), h.Timeout)
	}
	// Output:
	// web1 10.0.0.1 10s
	// web2 10.0.0.2 10s
	// db1 localhost 10s
}

// Every error in a fleet file says where it is.
func ExampleParse_errors() {
	_, err := fleet.Parse("fleet.yaml", []byte("hosts:\n  web1:\n    url: http://10.0.0.1:9001/RPC2\n    pasword: x\n"))
	fmt.Println(err)
	// Output:
	// fleet.yaml:4:5: unknown key "pasword" (want one of url, username, password, password_env, timeout, health, health_method, health_jsonrpc, ca)
}

// A batch size is a count or a percentage of the hosts.
func ExampleBatchSize() {
	b, _ := fleet.ParseBatchSize("40%")
	hosts := make([]*fleet.Host, 5)
	for _, batch := range b.Batches(hosts) {
		fmt.Print(len(batch), " ")
	}
	fmt.Println()
	// Output:
	// 2 2 1
}
