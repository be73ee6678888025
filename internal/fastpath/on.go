//go:build !harp_nofastpath

package fastpath

// Enabled reports whether the codecs take their fast paths: true, as this build has no
// harp_nofastpath tag.
const Enabled = true
