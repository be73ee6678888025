// Package bench measures harp against the XML-RPC implementations people use today, on the same
// payloads: github.com/kolo/xmlrpc in Go (bench_test.go) and CPython's xmlrpc.client
// (cpython.py, fed the files cmd/payloads writes). See BENCHMARKS.md at the repository root.
package bench

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Row is one element of the large payload: five members of five types.
type Row struct {
	ID      int       `xmlrpc:"id"`
	Name    string    `xmlrpc:"name"`
	Score   float64   `xmlrpc:"score"`
	Active  bool      `xmlrpc:"active"`
	Updated time.Time `xmlrpc:"updated"`
}

// Rows returns the n rows of the large payload.
func Rows(n int) []Row {
	rows := make([]Row, n)
	base := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := range rows {
		rows[i] = Row{
			ID:      i * 7919,
			Name:    fmt.Sprintf("user-%015d", i), // 20 characters
			Score:   float64(i) * 1.25,
			Active:  i%3 == 0,
			Updated: base.Add(time.Duration(i) * time.Minute),
		}
	}
	return rows
}

// StructsResponse is payload (2): a methodResponse holding an array of 1,000 five-member structs,
// laid out one element per line the way CPython's xmlrpc.client.dumps writes it (about 430 KB).
func StructsResponse() []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n")
	for _, r := range Rows(1000) {
		b.WriteString("<value><struct>\n")
		member := func(name, typ, text string) {
			fmt.Fprintf(&b, "<member>\n<name>%s</name>\n<value><%s>%s</%s></value>\n</member>\n", name, typ, text, typ)
		}
		member("id", "int", fmt.Sprint(r.ID))
		member("name", "string", r.Name)
		member("score", "double", fmt.Sprint(r.Score))
		active := "0"
		if r.Active {
			active = "1"
		}
		member("active", "boolean", active)
		member("updated", "dateTime.iso8601", r.Updated.Format("20060102T15:04:05"))
		b.WriteString("</struct></value>\n")
	}
	b.WriteString("</data></array></value>\n</param>\n</params>\n</methodResponse>\n")
	return b.Bytes()
}

// Blob returns the 1 MiB binary value of payload (3).
func Blob() []byte {
	blob := make([]byte, 1<<20)
	for i := range blob {
		blob[i] = byte(i * 31)
	}
	return blob
}

// Nested returns the 64-deep nested array of payload (4): [[[...[1]...]]].
func Nested(depth int) any {
	var v any = 1
	for i := 0; i < depth; i++ {
		v = []any{v}
	}
	return v
}

// AddCall and AddResponse are payload (1): the call add(2, 3) and its response 5, as CPython
// writes them.
const (
	AddCall     = "<?xml version='1.0'?>\n<methodCall>\n<methodName>add</methodName>\n<params>\n<param>\n<value><int>2</int></value>\n</param>\n<param>\n<value><int>3</int></value>\n</param>\n</params>\n</methodCall>\n"
	AddResponse = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><int>5</int></value>\n</param>\n</params>\n</methodResponse>\n"
)

// responseOf wraps an encoded <value> in a methodResponse document.
func responseOf(value []byte) []byte {
	return []byte("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" + string(value) + "\n</param>\n</params>\n</methodResponse>\n")
}

// Payloads returns every response document by name, for cmd/payloads and the benchmarks.
func Payloads(encodeValue func(any) ([]byte, error)) (map[string][]byte, error) {
	blob, err := encodeValue(Blob())
	if err != nil {
		return nil, err
	}
	nested, err := encodeValue(Nested(64))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"add_response": []byte(AddResponse),
		"add_call":     []byte(AddCall),
		"structs":      StructsResponse(),
		"base64":       responseOf(blob),
		"nested":       responseOf(nested),
	}, nil
}

// Size describes a payload's size for the record.
func Size(b []byte) string {
	return strings.TrimSpace(fmt.Sprintf("%6.1f KB", float64(len(b))/1000))
}
