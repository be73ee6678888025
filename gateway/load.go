package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ErrInvalidConfig is wrapped by every *ConfigError, so errors.Is tells a refused configuration
// from a failure to read it.
var ErrInvalidConfig = errors.New("gateway: invalid config")

// ConfigError is one problem of a configuration: where it is (file, line and column, 0 when
// unknown), which field (a path such as pools.users.backends[0].url) and what was expected.
type ConfigError struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error returns "file:line:column: field: msg".
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("gateway: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > len("gateway: ") {
		b.WriteByte(' ')
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// ConfigErrors is every problem found in one configuration, in the order of the file.
type ConfigErrors []*ConfigError

// Error returns each problem on a line of its own.
func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (es ConfigErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// position is a line and column in the file.
type position struct{ line, col int }

// Load reads, parses and verifies the configuration file at path. Its errors are ConfigErrors
// naming the file, line and column of each problem, or the error of reading the file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gateway: reading config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and verifies a configuration document; name is the file name its errors carry.
// A field the schema does not know, a value of the wrong type, a second document, and every
// problem Verify finds are errors; fields left out keep DefaultConfig's and DefaultPool's values.
func Parse(name string, data []byte) (*Config, error) {
	c := DefaultConfig()
	c.file = name
	w := &walker{file: name, pos: map[string]position{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, ConfigErrors{{File: name, Msg: "empty configuration: want a mapping with listeners, pools and routes"}}
		}
		return nil, ConfigErrors{yamlError(name, err)}
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		line := more.Line
		if err != nil {
			return nil, ConfigErrors{yamlError(name, err)}
		}
		return nil, ConfigErrors{{File: name, Line: line, Column: more.Column, Msg: "a second YAML document: want exactly one"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	w.decode(root, reflect.ValueOf(c).Elem(), "")
	c.pos = w.pos
	c.print = fingerprint(c)
	if len(w.errs) > 0 {
		return nil, w.errs
	}
	if err := c.Verify(); err != nil {
		return nil, err
	}
	return c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a ConfigError with its line.
func yamlError(file string, err error) *ConfigError {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfigError{File: file, Line: line, Column: 1, Msg: "YAML syntax: " + m[2]}
	}
	return &ConfigError{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

// walker decodes a YAML node tree into a value by reflection, refusing unknown fields, and
// remembers where each field was written.
type walker struct {
	file string
	pos  map[string]position
	errs ConfigErrors
}

var durationType = reflect.TypeFor[time.Duration]()

func (w *walker) fail(n *yaml.Node, path, format string, a ...any) {
	w.errs = append(w.errs, &ConfigError{File: w.file, Line: n.Line, Column: n.Column, Field: path, Msg: fmt.Sprintf(format, a...)})
}

func (w *walker) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		w.pos[path] = position{n.Line, n.Column}
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value keeps the default
	}
	switch {
	case v.Type() == durationType:
		w.duration(n, v, path)
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		w.decode(n, v.Elem(), path)
	case v.Kind() == reflect.Struct:
		w.structure(n, v, path)
	case v.Kind() == reflect.Map:
		w.mapping(n, v, path)
	case v.Kind() == reflect.Slice:
		w.sequence(n, v, path)
	default:
		w.scalar(n, v, path)
	}
}

func (w *walker) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		w.fail(n, path, "want a duration such as 250ms or 1m30s, got a %s", kindName(n))
		return
	}
	if n.Value == "0" {
		v.SetInt(0)
		return
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 {
		w.fail(n, path, "want a duration such as 250ms or 1m30s, got %q", n.Value)
		return
	}
	v.SetInt(int64(d))
}

func (w *walker) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		w.fail(n, path, "want a mapping with fields %s, got a %s", strings.Join(fieldNames(v.Type()), ", "), kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		if seen[k.Value] {
			w.fail(k, sub, "given twice")
			continue
		}
		seen[k.Value] = true
		f, ok := fieldByTag(v, k.Value)
		if !ok {
			w.fail(k, sub, "unknown field %q; want one of %s", k.Value, strings.Join(fieldNames(v.Type()), ", "))
			continue
		}
		w.decode(val, f, sub)
	}
}

func (w *walker) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		w.fail(n, path, "want a mapping of names, got a %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		key := reflect.ValueOf(k.Value)
		if v.MapIndex(key).IsValid() {
			w.fail(k, sub, "given twice")
			continue
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if elem.Type() == reflect.TypeFor[*Pool]() {
			elem.Set(reflect.ValueOf(DefaultPool()))
		}
		w.decode(val, elem, sub)
		v.SetMapIndex(key, elem)
	}
}

func (w *walker) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		w.fail(n, path, "want a list, got a %s", kindName(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		w.decode(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(s)
}

func (w *walker) scalar(n *yaml.Node, v reflect.Value, path string) {
	want := map[reflect.Kind]string{
		reflect.String: "a string", reflect.Bool: "true or false", reflect.Int: "an integer",
		reflect.Int64: "an integer", reflect.Float64: "a number",
	}[v.Kind()]
	if n.Kind != yaml.ScalarNode {
		w.fail(n, path, "want %s, got a %s", want, kindName(n))
		return
	}
	if v.Kind() == reflect.String && n.Tag != "!!str" {
		w.fail(n, path, "want %s, got %s %q (quote it)", want, strings.TrimPrefix(n.Tag, "!!"), n.Value)
		return
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		w.fail(n, path, "want %s, got %q", want, n.Value)
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return fmt.Sprintf("scalar %q", n.Value)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag == name && t.Field(i).IsExported() {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	sort.Strings(names)
	return names
}

// fingerprint returns the exported content of c as JSON, so that Verify can tell whether the
// positions recorded by Parse still describe it (a Config changed in code has none).
func fingerprint(c *Config) string {
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	return string(b)
}
