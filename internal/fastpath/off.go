//go:build harp_nofastpath

package fastpath

// Enabled reports whether the codecs take their fast paths: false, as this build has the
// harp_nofastpath tag, so every document goes through the general paths.
const Enabled = false
