package cli

import (
	"context"
	"errors"
	"flag"
	"net"

	"github.com/harp-rpc/harp/server"
)

// serveExtra is one more thing harp serve does beside serving HTTP (serving the same services
// on a broker topic, announcing itself in a registry, ...). Each lives in a file of its own and
// joins serveExtras with registerServeExtra from an init function, so that harp serve's own
// file does not change. It declares its flags on fs and returns what runs once they are parsed.
type serveExtra func(fs *flag.FlagSet) serveExtraRun

// serveExtraRun starts the extra for srv, whose HTTP endpoint is url, and returns a function
// that blocks until ctx ends and the extra has stopped, with its error. It returns a nil wait
// function when its flags did not ask for it.
type serveExtraRun func(ctx context.Context, env *Env, srv *server.Server, url string) (wait func() error, err error)

// serveExtras are the registered extras of harp serve.
var serveExtras []serveExtra

// registerServeExtra adds x to harp serve.
func registerServeExtra(x serveExtra) { serveExtras = append(serveExtras, x) }

// serveWithExtras serves srv on ln and runs every extra beside it until ctx ends. An extra that
// fails to start stops the whole command; errors of all of them are joined.
func serveWithExtras(ctx context.Context, env *Env, srv *server.Server, ln net.Listener, url string, extras []serveExtraRun) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var waits []func() error
	for _, x := range extras {
		wait, err := x(ctx, env, srv, url)
		if err != nil {
			cancel()
			ln.Close()
			return errors.Join(append([]error{err}, waitAll(waits)...)...)
		}
		if wait != nil {
			waits = append(waits, wait)
		}
	}
	err := srv.Serve(ctx, ln)
	cancel()
	return errors.Join(append([]error{err}, waitAll(waits)...)...)
}

func waitAll(waits []func() error) []error {
	errs := make([]error, 0, len(waits))
	for _, w := range waits {
		errs = append(errs, w())
	}
	return errs
}
