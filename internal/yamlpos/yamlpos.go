// Package yamlpos places YAML syntax errors. go.yaml.in/yaml/v3 names the line of a syntax
// error ("yaml: line 3: did not find expected key") but not its column; the configuration
// loaders (gateway, fleet) still give every error a line and a column.
package yamlpos

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

var lineRE = regexp.MustCompile(`line (\d+): `)

// Syntax splits a yaml error's text into the line it names (1 when it names none), its message
// without the "yaml: " and "line N: " parts, and the column where that line's text begins in
// data (1-based; 1 for a blank line or a line past the end). The parser reports no column for
// syntax errors, so the start of the line's text is the closest true position there is.
func Syntax(data []byte, err error) (line, column int, msg string) {
	msg = strings.TrimPrefix(err.Error(), "yaml: ")
	line = 1
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.Replace(msg, m[0], "", 1)
	}
	return line, LineStart(data, line), msg
}

// LineStart returns the 1-based column of the first character of line (1-based) that is not a
// space (YAML indents with spaces only, so a tab is where a problem is), or 1 when the line is
// blank or not in data.
func LineStart(data []byte, line int) int {
	for i := 1; i < line; i++ {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			return 1
		}
		data = data[nl+1:]
	}
	if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
		data = data[:nl]
	}
	for i, c := range data {
		if c != ' ' {
			return i + 1
		}
	}
	return 1
}
