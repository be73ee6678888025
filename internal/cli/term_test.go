package cli

import (
	"bytes"
	"os"
	"testing"
)

func TestDevNullIsNoTerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("isTerminal(/dev/null) = true; a character device is not a terminal")
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("isTerminal(a buffer) = true")
	}
	if w := termWidth(f); w != 80 {
		t.Errorf("termWidth(/dev/null) = %d, want the default 80", w)
	}
}
