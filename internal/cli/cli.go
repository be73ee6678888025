// Package cli implements the harp command's subcommands. cmd/harp is a thin main that calls Main.
//
// Each subcommand (call, list, serve, demo, bench, ...) is a Command in the commands table; a new
// one in a file of its own joins it with register from an init function. A command parses its own flags, which may come before or
// between its positional arguments, and reports through the Env it is given so tests run it
// in-process.
//
// # Exit codes
//
// Every command exits with one of:
//
//	0  ExitOK       success
//	1  ExitFault    the server answered with an XML-RPC fault or a JSON-RPC error object (a
//	                working server said no); bench and demo: some of the run's calls failed
//	2  ExitUsage    a bad command line: unknown command, topic or flag, a bad argument
//	3  ExitFailure  a transport or protocol failure: the server could not be reached, the TLS
//	                handshake or the HTTP status failed, or the answer was not a valid
//	                response; a server that would not start; a run that was interrupted
//
// # Flags
//
// A flag means one thing in every command: --jsonrpc speaks JSON-RPC 2.0 instead of XML-RPC, and
// --output chooses what is printed (json for machine-readable output wherever a command has it).
// The older spellings still work with a note on stderr: --json as the protocol flag of call and
// bench (now --jsonrpc), --json of list (now --output json), --xml of call (now --output xml).
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

// Exit codes; the package documentation says which failure gets which.
const (
	ExitOK      = 0 // success
	ExitFault   = 1 // the server answered with a fault or error object; some calls of a run failed
	ExitUsage   = 2 // bad command line
	ExitFailure = 3 // transport or protocol failure, a server that would not start, an interrupted run
)

// exitHelp documents the exit codes for harp help exit.
const exitHelp = `harp exits with:
  0  success
  1  the server answered with a fault (XML-RPC) or an error object (JSON-RPC);
     for bench and demo: some of the run's calls failed
  2  a bad command line: unknown command, topic or flag, a bad argument
  3  a transport or protocol failure: the server could not be reached, TLS or the HTTP
     status failed, or the answer was not a valid response; a server that would not
     start; an interrupted run`

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

// commands is the subcommand table. Commands that live in their own files (gateway, broker,
// fleet, ...) join it with register from an init function, so adding one touches no other file.
var commands = []*Command{callCommand, listCommand, serveCommand, demoCommand, benchCommand}

// register adds cmd to the subcommand table; a second command of the same name is a bug and
// panics at start-up.
func register(cmd *Command) {
	if lookup(cmd.Name) != nil {
		panic("cli: command " + cmd.Name + " registered twice")
	}
	commands = append(commands, cmd)
}

// UsageError reports a bad command line; Main prints it and its hint on one line each and exits 2.
type UsageError struct {
	Msg  string
	Hint string // what to do; "" means pointing at the command's help
}

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// topics are the help topics that are not commands.
var topics = map[string]string{"values": argHelp, "exit": exitHelp}

// Main runs the harp command line args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return help(env, args)
	}
	cmd := lookup(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "harp: unknown command %q\nRun 'harp help' for the commands.\n", args[0])
		return ExitUsage
	}
	return run(ctx, env, cmd, args[1:])
}

// help prints the overview, a command's usage or a topic; an unknown name is a usage error.
func help(env *Env, args []string) int {
	switch {
	case len(args) == 0:
		printCommands(env.Stderr)
		return ExitUsage
	case len(args) == 1:
		printCommands(env.Stdout)
		return ExitOK
	case len(args) > 2:
		fmt.Fprintln(env.Stderr, "harp help: want one command or topic\nRun 'harp help' for the commands.")
		return ExitUsage
	}
	if cmd := lookup(args[1]); cmd != nil {
		fs := newFlagSet(cmd, io.Discard)
		cmd.Flags(fs)
		printUsage(env.Stdout, cmd, fs)
		return ExitOK
	}
	if text, ok := topics[args[1]]; ok {
		fmt.Fprintln(env.Stdout, text)
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "harp help: no command or topic %q\nRun 'harp help' for the commands and topics.\n", args[1])
	return ExitUsage
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
		noteDeprecated(env.Stderr, cmd, fs)
		err = runFn(ctx, env, pos)
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "harp %s: %v\n", cmd.Name, err)
	code := exitCode(err)
	if code == ExitUsage {
		hint := "Run 'harp help " + cmd.Name + "' for usage."
		var ue *UsageError
		if errors.As(err, &ue) && ue.Hint != "" {
			hint = ue.Hint
		}
		fmt.Fprintln(env.Stderr, hint)
	}
	return code
}

// exitCode maps a command's error to its exit code.
func exitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue) || isFlagError(err):
		return ExitUsage
	case isRemote(err) || errors.Is(err, errCallsFailed):
		return ExitFault
	}
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
	width := 8
	for _, c := range cs {
		width = max(width, len(c.Name)+1)
	}
	for _, c := range cs {
		first, _, _ := strings.Cut(c.Summary, "\n") // the rest is for 'harp help COMMAND'
		fmt.Fprintf(w, "  %-*s %s\n", width, c.Name, first)
	}
	fmt.Fprintln(w, "\nTopics:")
	fmt.Fprintf(w, "  %-*s %s\n", width, "values", "how call and bench read their ARGs (JSON, typed prefixes, strings)")
	fmt.Fprintf(w, "  %-*s %s\n", width, "exit", "the exit codes")
	fmt.Fprintln(w, "\nRun 'harp help COMMAND' for a command's flags, 'harp help TOPIC' for a topic.")
}

func printUsage(w io.Writer, cmd *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: harp %s [FLAGS] %s\n\n%s\n", cmd.Name, cmd.Args, cmd.Summary)
	shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	var old []string
	fs.VisitAll(func(f *flag.Flag) {
		if instead, ok := strings.CutPrefix(f.Usage, deprecatedPrefix); ok {
			old = append(old, "--"+f.Name+" (use "+instead+")")
			return
		}
		shown.Var(f.Value, f.Name, f.Usage)
		shown.Lookup(f.Name).DefValue = f.DefValue
	})
	has := false
	shown.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "\nFlags:")
		shown.SetOutput(w)
		shown.PrintDefaults()
	}
	if len(old) > 0 {
		fmt.Fprintf(w, "\nDeprecated spellings, still read: %s\n", strings.Join(old, ", "))
	}
	fmt.Fprintln(w, "\nExit codes: 0 ok, 1 fault (the server said no), 2 usage, 3 transport or protocol failure.")
}
