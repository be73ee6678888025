package fleet_test

import (
	"strings"

	"github.com/harp-rpc/harp/supervisord"
)

// procs makes ProcessInfos from "group:name" or "name".
func procs(names ...string) []supervisord.ProcessInfo {
	var out []supervisord.ProcessInfo
	for _, n := range names {
		g, name, ok := strings.Cut(n, ":")
		if !ok {
			name = g
		}
		out = append(out, supervisord.ProcessInfo{Group: g, Name: name})
	}
	return out
}
