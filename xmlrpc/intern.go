package xmlrpc

import "sync/atomic"

// methodNames caches the strings of recently decoded method names, so that a server decoding the
// same few names over and over does not allocate one per call. It is a direct-mapped table: a
// name displaces whatever shared its slot, so hostile names cost no more than not caching.
var methodNames [256]atomic.Pointer[string]

// maxInternedName bounds the names worth caching.
const maxInternedName = 64

// internName returns b as a string, from the cache when it holds the same name.
func internName(b []byte) string {
	if len(b) > maxInternedName {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &methodNames[h%uint32(len(methodNames))]
	if p := slot.Load(); p != nil && *p == string(b) { // the comparison does not allocate
		return *p
	}
	s := string(b)
	slot.Store(&s)
	return s
}
