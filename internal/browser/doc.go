// Package browser tests harp's web pages in a real headless Chromium through
// github.com/chromedp/chromedp: the gateway's live status page (TestStatusPage) loads, shows a
// backend going down and coming back without a reload, and writes a screenshot (PNG, to
// HARP_SCREENSHOTS or the system's temporary directory, its path in the test's log).
//
// Chromium is a peer like any other (internal/peertest): Debian's chromium or
// chromium-headless-shell, found in PATH or named by HARP_CHROMIUM; without it the tests skip,
// unless HARP_PEERS=require. No harp package imports this one, so chromedp is linked into no
// program.
package browser
