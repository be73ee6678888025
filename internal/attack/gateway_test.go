package attack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGatewayAttacks runs the three attacks of issue 12 at once against a real harp gateway in
// front of a harp serve backend, and holds the gateway to its own budget as TestAttacks holds a
// server: peak RSS under the budget plus the same allowance, no failure for a bystander calling
// add(2,3) through it from another address, and RSS falling back after the attack. The backend's
// limits are set wide, so that the gateway's are the ones that hold. HARP_ATTACK=full runs the
// issue's scale (8 bombs, 100 slow readers of 15 MiB, 50 tricklers; a 256 MiB budget);
// HARP_ATTACK_BINARY with HARP_ATTACK_GATEWAY_LIMITS (the limits' YAML, without braces) attacks
// another harp (an older one, to measure it) and only reports what it sees.
func TestGatewayAttacks(t *testing.T) {
	if testing.Short() {
		t.Skip("attacks a harp gateway process for several seconds")
	}
	sc := small
	limits := "memory_budget: 67108864, peer_share: 0, write_stall_timeout: 1s"
	if os.Getenv("HARP_ATTACK") == "full" {
		sc, limits = full, "memory_budget: 268435456, peer_share: 0"
	}
	if l, ok := os.LookupEnv("HARP_ATTACK_GATEWAY_LIMITS"); ok {
		limits = l
	}
	bin := harpBinary(t)
	bomb, echo := ValueBomb(sc.values), EchoCall(sc.echo)
	ctx, cancel := context.WithTimeout(context.Background(), sc.duration+time.Minute)
	defer cancel()
	backend, err := Start(ctx, bin, "-memory-budget", "2GiB", "-peer-share", "0", "-max-bodies", "4096", "-memory-limit", "0")
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Stop()
	cfg := filepath.Join(t.TempDir(), "gw.yaml")
	yaml := fmt.Sprintf(`listeners: [{address: "127.0.0.1:0"}]
limits: {%s}
pools: {p: {backends: [{url: "http://%s/RPC2"}], max_in_flight: 4096}}
routes: [{pool: p}]
`, limits, backend.Addr)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	gw, err := StartGateway(ctx, bin, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Stop()
	o := attackRun(t, ctx, gw, sc, allKinds, bomb, echo)
	report := t.Errorf
	if os.Getenv("HARP_ATTACK_BINARY") != "" {
		report = t.Logf
	}
	o.check(t, "harp gateway {"+limits+"}", sc, allKinds, report)
	if o.slow.Served.Load()+o.slow.Refused.Load()+o.slow.Cut.Load() == 0 {
		report("no slow reader was answered, refused or cut")
	}
}
