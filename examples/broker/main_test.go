package main

// The example runs as its documentation says.
func Example_main() {
	main()
	// Output:
	// 40 calls reached both servers: true
	// vm-1 up <nil> [host-b booted vm-1 for alice]
	// host-a refreshed images; host-b refreshed images
	// no server: true broker: whoami to compute: nobody serves the target
	// host-a booted vm-2 for <nil>
	// fault 42 no capacity
}
