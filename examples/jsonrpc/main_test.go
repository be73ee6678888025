package main

// The example runs as written.
func Example_main() {
	main()
	// Output:
	// add(2, 3): XML-RPC 5, JSON-RPC 5
	// user.login with named params: session-of-Admin
	// a wrong password: jsonrpc: error 1: login failed for Admin
	// batch: 3 42, jsonrpc: error -32601: method not found: "nope"
	// hits counted: 1
}
