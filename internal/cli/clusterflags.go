package cli

import (
	"flag"
	"slices"
	"strings"

	"github.com/harp-rpc/harp/client"
	"github.com/harp-rpc/harp/cluster"
)

// clusterFlags are the flags of the commands that call several URLs as one cluster.
type clusterFlags struct {
	policy     string
	idempotent bool
}

func (f *clusterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.policy, "policy", "round_robin", "with several URLs, the balancing policy: "+strings.Join(cluster.Policies(), ", "))
	fs.BoolVar(&f.idempotent, "idempotent", false, "with several URLs, declare the method idempotent, so calls that may have reached a server are retried too")
}

// newCluster returns a cluster client of urls for calls of method, each endpoint's client made
// from conn with extra options. Each call is bounded by its context only (the -timeout), not by
// an attempt timeout: a slow method is not a hung server.
func (f *clusterFlags) newCluster(urls []string, method string, conn *connFlags, extra ...client.Option) (*cluster.Cluster, error) {
	cfg := cluster.DefaultConfig()
	cfg.Policy = f.policy
	cfg.AttemptTimeout = 0
	if f.idempotent {
		cfg.Methods = map[string]cluster.MethodConfig{method: {Idempotent: true}}
	}
	eps := make([]cluster.Endpoint, len(urls))
	for i, u := range urls {
		eps[i] = cluster.Endpoint{URL: u}
	}
	return cluster.New(eps, func(ep cluster.Endpoint) (cluster.Caller, error) { return conn.client(ep.URL, extra...) }, cfg)
}

// checkPolicy reports a policy name that no cluster policy is registered under.
func checkPolicy(name string) error {
	if slices.Contains(cluster.Policies(), name) {
		return nil
	}
	return usagef("-policy %q: want one of %s", name, strings.Join(cluster.Policies(), ", "))
}
