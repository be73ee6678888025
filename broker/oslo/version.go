package oslo

import (
	"strconv"
	"strings"
)

// parseVersion reads "X.Y" (or "X", minor 0).
func parseVersion(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	if !found {
		b = "0"
	}
	mj, err1 := strconv.Atoi(a)
	mn, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || mj < 0 || mn < 0 {
		return 0, 0, false
	}
	return mj, mn, true
}

// versionServes reports whether an endpoint of version have answers a request for want, as
// oslo's dispatcher decides: the same major version and a minor no greater than the endpoint's.
// An empty want is "1.0".
func versionServes(have, want string) bool {
	if want == "" {
		want = "1.0"
	}
	hj, hn, ok1 := parseVersion(have)
	wj, wn, ok2 := parseVersion(want)
	return ok1 && ok2 && hj == wj && wn <= hn
}
