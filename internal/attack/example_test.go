package attack_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/harp-rpc/harp/internal/attack"
)

// The body of attack 1: 24 KiB sent, 15 MiB of XML once decompressed.
func ExampleValueBomb() {
	body := attack.ValueBomb(2_097_052)
	zr, _ := gzip.NewReader(bytes.NewReader(body))
	n, _ := io.Copy(io.Discard, zr)
	fmt.Printf("%d KiB sent, %d MiB decompressed\n", len(body)>>10, n>>20)
	// Output: 24 KiB sent, 15 MiB decompressed
}

// The attackers refuse any address off the loopback network.
func ExampleTricklers() {
	var counts attack.Counts
	_, err := attack.Tricklers(context.Background(), "192.0.2.1:80", 1, 100, 0, &counts)
	fmt.Println(errors.Is(err, attack.ErrNotLoopback))
	// Output: true
}
