// Command payloads writes the benchmark payloads to a directory, so that peers outside Go
// (cpython.py) time exactly the bytes the Go benchmarks decode.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"

	"github.com/harp-rpc/harp/bench"
	"github.com/harp-rpc/harp/xmlrpc"
)

func main() {
	out := flag.String("out", ".", "directory to write the payload files to")
	flag.Parse()
	ps, err := bench.Payloads(xmlrpc.Marshal)
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(ps))
	for name := range ps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(*out, name+".xml"), ps[name], 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-13s %s\n", name, bench.Size(ps[name]))
	}
}
