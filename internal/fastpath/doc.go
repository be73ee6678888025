// Package fastpath is the switch of the codecs' fast paths: the shortcuts xmlrpc and jsonrpc
// take for the documents nearly every peer sends (a plain call, a plain request, a scalar
// answer, an ASCII document), each of which falls back to a general path that handles every
// document.
//
// Enabled is a constant, true unless the program is built with the harp_nofastpath build tag:
//
//	go test -tags harp_nofastpath ./xmlrpc ./jsonrpc
//
// runs every test through the general paths alone, so that they stay tested on the shapes the
// fast paths would otherwise take. Being a constant, a disabled fast path is compiled away, and
// an enabled one costs no test at run time.
//
// The fast paths, where each falls back and the tests that check each against the general path
// are listed in the "Fast paths" section of the xmlrpc and jsonrpc package documentation.
package fastpath
