// Package intern turns the byte slices of names that recur (the method names a server decodes
// call after call) into strings without allocating one each time.
package intern

import "sync/atomic"

// names caches the strings of recently seen names. It is a direct-mapped table: a name displaces
// whatever shared its slot, so hostile names cost no more than not caching.
var names [256]atomic.Pointer[string]

// MaxLen bounds the names worth caching; longer ones are returned as new strings.
const MaxLen = 64

// Bytes returns b as a string, from the cache when it holds the same name. The string never
// aliases b.
func Bytes(b []byte) string {
	if len(b) > MaxLen {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &names[h%uint32(len(names))]
	if p := slot.Load(); p != nil && *p == string(b) { // the comparison does not allocate
		return *p
	}
	s := string(b)
	slot.Store(&s)
	return s
}
