module github.com/harp-rpc/harp/bench

go 1.26.0

require (
	github.com/harp-rpc/harp v0.0.0
	github.com/kolo/xmlrpc v0.0.0-20220921171641-a4b6fa1dd06b
)

require golang.org/x/text v0.43.0 // indirect

replace github.com/harp-rpc/harp => ../
