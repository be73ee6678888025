package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// deprecatedPrefix starts the usage of an old flag spelling; the rest names its replacement.
// printUsage lists such flags apart, and noteDeprecated says on stderr when one is used.
const deprecatedPrefix = "deprecated: use "

// boolAlias is a boolean flag that runs a function when set to true: an old spelling of a flag
// that has a new name or became a value of --output.
type boolAlias func()

// String reports the default, for flag.
func (boolAlias) String() string { return "false" }

// IsBoolFlag lets the flag stand without a value, for flag.
func (boolAlias) IsBoolFlag() bool { return true }

// Set runs the alias's function when s is true, for flag.
func (f boolAlias) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	if b {
		f()
	}
	return nil
}

// deprecatedBool registers the old spelling name, which runs set; instead names the new one.
func deprecatedBool(fs *flag.FlagSet, name, instead string, set func()) {
	fs.Var(boolAlias(set), name, deprecatedPrefix+instead)
}

// noteDeprecated writes one line on w for each old flag spelling the command line used.
func noteDeprecated(w io.Writer, cmd *Command, fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) {
		if instead, ok := strings.CutPrefix(f.Usage, deprecatedPrefix); ok {
			fmt.Fprintf(w, "harp %s: --%s is deprecated: use %s\n", cmd.Name, f.Name, instead)
		}
	})
}

// registerJSONRPC registers --jsonrpc, the protocol flag of every command that calls a server,
// and with oldJSON the old spelling --json of call and bench.
func registerJSONRPC(fs *flag.FlagSet, on *bool, oldJSON bool) {
	fs.BoolVar(on, "jsonrpc", false, "speak JSON-RPC 2.0 instead of XML-RPC")
	if oldJSON {
		deprecatedBool(fs, "json", "--jsonrpc", func() { *on = true })
	}
}

// outputFormat is the value of --output: one of the formats a command prints.
type outputFormat struct {
	value   string
	allowed []string
}

// String returns the format, for flag.
func (o *outputFormat) String() string {
	if o == nil {
		return ""
	}
	return o.value
}

// Set chooses a format, for flag.
func (o *outputFormat) Set(s string) error {
	if !slices.Contains(o.allowed, s) {
		return fmt.Errorf("want one of %s", strings.Join(o.allowed, ", "))
	}
	o.value = s
	return nil
}

// registerOutput registers --output with its default and the formats allowed, def first.
func registerOutput(fs *flag.FlagSet, usage string, def string, others ...string) *outputFormat {
	o := &outputFormat{value: def, allowed: append([]string{def}, others...)}
	fs.Var(o, "output", usage+" (`format`: "+strings.Join(o.allowed, ", ")+")")
	return o
}
