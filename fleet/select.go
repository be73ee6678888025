package fleet

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrNoMatch is wrapped by Select's error for a name that matches no host or group.
var ErrNoMatch = errors.New("fleet: no such host or group")

// Select returns the hosts a selector names, in file order and each once. A selector is "all"
// (or empty) for every host, or a comma-separated list of host names, group names and shell
// patterns of host names ("web*"). A name or pattern that matches nothing is an error wrapping
// ErrNoMatch.
func (f *Fleet) Select(selector string) ([]*Host, error) {
	selector = strings.TrimSpace(selector)
	if selector == "" || selector == "all" {
		return append([]*Host(nil), f.Hosts...), nil
	}
	chosen := map[*Host]bool{}
	for _, part := range strings.Split(selector, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := f.mark(part, chosen)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: %q in %s", ErrNoMatch, part, f.File)
		}
	}
	var out []*Host
	for _, h := range f.Hosts {
		if chosen[h] {
			out = append(out, h)
		}
	}
	return out, nil
}

// mark marks the hosts part names and returns how many it matched.
func (f *Fleet) mark(part string, chosen map[*Host]bool) (int, error) {
	if part == "all" {
		for _, h := range f.Hosts {
			chosen[h] = true
		}
		return len(f.Hosts), nil
	}
	if g, ok := f.Groups[part]; ok {
		for _, h := range g {
			chosen[h] = true
		}
		return len(g), nil
	}
	n := 0
	for _, h := range f.Hosts {
		ok, err := path.Match(part, h.Name)
		if err != nil {
			return 0, fmt.Errorf("fleet: bad pattern %q: %w", part, err)
		}
		if ok {
			chosen[h] = true
			n++
		}
	}
	return n, nil
}

// Host returns the host of that name, or nil.
func (f *Fleet) Host(name string) *Host {
	for _, h := range f.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}
