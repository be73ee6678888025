package intern

import (
	"strings"
	"testing"
)

func TestBytes(t *testing.T) {
	b := []byte("system.listMethods")
	s := Bytes(b)
	b[0] = 'X' // the string must not alias the caller's buffer
	if s != "system.listMethods" {
		t.Fatalf("got %q", s)
	}
	if got := Bytes([]byte("system.listMethods")); got != s {
		t.Fatalf("second lookup %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Bytes([]byte("system.listMethods")) }); n != 0 {
		t.Errorf("a cached name allocates %.0f times", n)
	}
	long := strings.Repeat("m", MaxLen+1)
	if Bytes([]byte(long)) != long {
		t.Error("long name")
	}
	// names sharing a slot displace each other and still come back right
	for i := range 2000 {
		name := "method" + strings.Repeat("x", i%70)
		if got := Bytes([]byte(name)); got != name {
			t.Fatalf("%q came back as %q", name, got)
		}
	}
}
