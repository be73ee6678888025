package browser_test

import (
	"fmt"

	"github.com/harp-rpc/harp/internal/browser"
)

// The executables Find tries, in order, when HARP_CHROMIUM does not name one.
func ExampleNames() {
	fmt.Println(browser.Names)
	// Output: [chromium-headless-shell chromium chromium-browser google-chrome]
}
