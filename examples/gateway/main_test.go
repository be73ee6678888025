package main

// The example runs as written.
func Example_main() {
	main()
	// Output:
	// users.whoami: users <nil>
	// orders.fail is a fault: true xmlrpc: fault 7: orders says no
	// multicall split across pools: orders users <nil>
	// methods: orders.fail orders.whoami system.listMethods system.methodHelp system.methodSignature users.fail users.whoami <nil>
	// reload: gateway: routes[0].pool: no pool "payments"; want one of orders, users
	// still routing: true users
}
