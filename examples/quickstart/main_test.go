package main

// The quick start runs as written in the README.
func Example_main() {
	main()
	// Output:
	// pow(2, 3) = 8
	// add(2, 3) = 5
	// div(5, 2) = 2
	// methods: [add div pow system.getCapabilities system.listMethods system.methodExist system.methodHelp system.methodSignature system.multicall]
	// div(1, 0): xmlrpc: fault 1: division by zero
}
