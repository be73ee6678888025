package yamlpos

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSyntax(t *testing.T) {
	for _, c := range []struct {
		doc          string
		line, column int
	}{
		{"hosts:\n  a: [\n", 2, 3},
		{"a: 1\n  b: 2\n", 2, 3},
		{"a:\n\t- x\n", 2, 1},
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(c.doc), &n)
		if err == nil {
			t.Fatalf("%q parsed", c.doc)
		}
		line, col, msg := Syntax([]byte(c.doc), err)
		if line != c.line || col != c.column || msg == "" {
			t.Errorf("%q: %v -> line %d column %d %q, want %d:%d", c.doc, err, line, col, msg, c.line, c.column)
		}
	}
}

func TestLineStart(t *testing.T) {
	data := []byte("a\n    b\n\n\tc")
	for line, want := range map[int]int{1: 1, 2: 5, 3: 1, 4: 1, 9: 1} {
		if got := LineStart(data, line); got != want {
			t.Errorf("line %d: column %d, want %d", line, got, want)
		}
	}
}
