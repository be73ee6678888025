// Package cli implements the harp command's subcommands. cmd/harp is a thin main that calls Main.
//
// Each subcommand (call, list, serve, demo, bench) is a Command in the commands table; a new one
// joins by adding one entry there. A command parses its own flags, which may come before or
// between its positional arguments, and reports through the Env it is given so tests run it
// in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the call failed: a fault, a transport error, a server that would not start
	ExitUsage   = 2 // bad command line
)

// Env is what a command runs in: its output streams.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one harp subcommand.
type Command struct {
	Name    string // as typed: "call"
	Args    string // positional arguments for the usage line: "URL METHOD [ARGS...]"
	Summary string // one line for harp help
	// Flags declares the command's flags on fs and returns the function that runs the command
	// with the positional arguments once fs is parsed.
	Flags func(fs *flag.FlagSet) func(ctx context.Context, env *Env, args []string) error
}

// commands is the subcommand table.
var commands = []*Command{callCommand, listCommand, serveCommand, demoCommand, benchCommand}

// UsageError reports a bad command line; Main prints it with the command's usage and exits 2.
type UsageError struct{ Msg string }

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// Main runs the harp command line args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if cmd := lookup(args[1]); cmd != nil {
				fs := newFlagSet(cmd, io.Discard)
				cmd.Flags(fs)
				printUsage(stdout, cmd, fs)
				return ExitOK
			}
		}
		printCommands(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	cmd := lookup(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "harp: unknown command %q\n\n", args[0])
		printCommands(stderr)
		return ExitUsage
	}
	return run(ctx, env, cmd, args[1:])
}

func lookup(name string) *Command {
	for _, c := range commands {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func newFlagSet(cmd *Command, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("harp "+cmd.Name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

func run(ctx context.Context, env *Env, cmd *Command, args []string) int {
	fs := newFlagSet(cmd, io.Discard)
	runFn := cmd.Flags(fs)
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(env.Stdout, cmd, fs)
		return ExitOK
	}
	if err == nil {
		err = runFn(ctx, env, pos)
	}
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue) || isFlagError(err):
		fmt.Fprintf(env.Stderr, "harp %s: %v\n\n", cmd.Name, err)
		printUsage(env.Stderr, cmd, fs)
		return ExitUsage
	}
	fmt.Fprintf(env.Stderr, "harp %s: %v\n", cmd.Name, err)
	return ExitFailure
}

// flagError marks errors from flag parsing.
type flagError struct{ error }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

// parseInterleaved parses fs's flags wherever they appear among the positional arguments, so
// that `harp call URL add 1 2 --xml` works. "--" ends the flags. An argument that looks like a
// negative number (-5, -1.5) is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || isNumberLike(a[1:]) {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil || name == "h" || name == "help" {
			continue // fs.Parse reports it
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, flagError{err}
	}
	return pos, nil
}

func isNumberLike(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.')
}

func printCommands(w io.Writer) {
	fmt.Fprintln(w, "harp: XML-RPC and JSON-RPC toolkit")
	fmt.Fprintln(w, "\nUsage: harp COMMAND [FLAGS] [ARGS]")
	fmt.Fprintln(w, "\nCommands:")
	cs := append([]*Command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	for _, c := range cs {
		first, _, _ := strings.Cut(c.Summary, "\n") // the rest is for 'harp help COMMAND'
		fmt.Fprintf(w, "  %-8s %s\n", c.Name, first)
	}
	fmt.Fprintln(w, "\nRun 'harp help COMMAND' for a command's flags.")
}

func printUsage(w io.Writer, cmd *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: harp %s [FLAGS] %s\n\n%s\n", cmd.Name, cmd.Args, cmd.Summary)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}
