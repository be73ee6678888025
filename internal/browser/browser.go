package browser

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/harp-rpc/harp/internal/peertest"
)

// Names are the executables tried for Chromium, in order, when HARP_CHROMIUM is not set.
var Names = []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"}

// Find returns the path of a Chromium to drive: HARP_CHROMIUM, or the first of Names in PATH; it
// skips t (or fails it under HARP_PEERS=require) when there is none.
func Find(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("HARP_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range Names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	peertest.Missing(t, "no Chromium (chromium or chromium-headless-shell) in PATH, and HARP_CHROMIUM unset")
	return ""
}

// New starts a headless Chromium of its own (a fresh profile in a temporary directory, no
// sandbox, since CI runs as root) and returns a chromedp context for one tab, bounded by ctx.
// The browser is stopped when the test ends.
func New(ctx context.Context, t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Find(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return bctx
}
