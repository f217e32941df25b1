// Package admin is pocketkms's key management command line: `pocketkms key
// ...`, `pocketkms alias ...` and `pocketkms rotation ...`. Each command is
// one engine operation (two for `key create --alias`) in the product's JSON
// form, so the CLI works the same over the native and the WebAssembly
// engine, and a running server over the same store sees the change at its
// next request.
//
// Output is the engine's JSON response, indented, fields in the order the
// messages declare them. Errors go to stderr as `pocketkms: <ErrorCode>:
// <message>`; the exit code is 1 for a KMS error and 2 for a usage error.
// Key material is never printed: no operation here returns it.
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// Commands are the first words that Run handles; a binary dispatches these
// to it.
var Commands = []string{"key", "alias", "rotation", "secret"}

// Exit codes.
const (
	exitOK    = 0
	exitKMS   = 1 // the engine (or a file the command reads) refused
	exitUsage = 2 // the command line is wrong
)

// command is one subcommand. define binds its flags and returns what it
// does with the positional arguments.
type command struct {
	name    string   // "key create"
	args    []string // positional argument names, all required
	flags   string   // flag synopsis for the usage line
	summary string
	define  func(fs *flag.FlagSet) action
}

type action func(r *runner, pos []string) error

// usageError is a mistake on the command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Run executes one command. args start with the command word ("key",
// "alias" or "rotation"); it returns the process exit code.
func Run(ctx context.Context, eng caller, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeOverview(stderr)
		return exitUsage
	}
	if isHelp(args[0]) {
		writeOverview(stdout)
		return exitOK
	}
	group := args[0]
	subs := commandsOf(group)
	if subs == nil {
		fmt.Fprintf(stderr, "pocketkms: unknown command %q; key management commands are %s\n", group, strings.Join(Commands, ", "))
		return exitUsage
	}
	if len(args) == 1 || isHelp(args[1]) {
		w, code := stdout, exitOK
		if len(args) == 1 {
			w, code = stderr, exitUsage
		}
		writeGroup(w, group, subs)
		return code
	}
	c := find(group + " " + args[1])
	if c == nil {
		var names []string
		for _, s := range subs {
			names = append(names, strings.TrimPrefix(s.name, group+" "))
		}
		fmt.Fprintf(stderr, "pocketkms: %s: unknown command %q; %s has %s\n", group, args[1], group, strings.Join(names, ", "))
		return exitUsage
	}

	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	act := c.define(fs)
	pos, err := parseInterspersed(fs, args[2:])
	if errors.Is(err, flag.ErrHelp) {
		writeCommand(stdout, c, fs)
		return exitOK
	}
	if err == nil && len(pos) != len(c.args) {
		switch {
		case len(pos) < len(c.args):
			err = usagef("missing %s", strings.Join(c.args[len(pos):], " "))
		default:
			err = usagef("unexpected argument %q", pos[len(c.args)])
		}
	}
	if err == nil {
		err = act(&runner{ctx: ctx, eng: eng, stdout: stdout}, pos)
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "pocketkms: %s: %s\nusage: pocketkms %s\n", c.name, ue.msg, synopsis(c))
		return exitUsage
	case isFlagError(err):
		fmt.Fprintf(stderr, "pocketkms: %s: %v\nusage: pocketkms %s\n", c.name, err, synopsis(c))
		return exitUsage
	}
	var ke *kmserr.Error
	if errors.As(err, &ke) {
		fmt.Fprintf(stderr, "pocketkms: %s: %s\n", ke.Code, ke.Message)
	} else {
		fmt.Fprintf(stderr, "pocketkms: %s: %v\n", c.name, err)
	}
	return exitKMS
}

// flagError marks errors from flag parsing, which are usage errors.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }

func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

func isHelp(s string) bool { return s == "help" || s == "-h" || s == "-help" || s == "--help" }

// parseInterspersed lets flags follow positional arguments, as in
// `key schedule-deletion KEY --days 7`; the standard flag package stops at
// the first non-flag. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, flagError{err}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// runner carries one invocation's engine and output.
type runner struct {
	ctx    context.Context
	eng    caller
	stdout io.Writer
}

// call runs api with a request built as a map (marshalled to the
// product's JSON) and returns the engine's JSON response.
func (r *runner) call(api string, req map[string]any) ([]byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	defer clear(body) // it may hold key material
	return r.eng.CallJSON(r.ctx, api, body)
}

// print writes a JSON response indented. json.Indent keeps the member
// order, which is the order the messages declare their fields in.
func (r *runner) print(raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return kmserr.Internal("the engine answered with invalid JSON: %v", err)
	}
	buf.WriteByte('\n')
	_, err := r.stdout.Write(buf.Bytes())
	return err
}

// callPrint is the whole of most commands.
func (r *runner) callPrint(api string, req map[string]any) error {
	out, err := r.call(api, req)
	if err != nil {
		return err
	}
	return r.print(out)
}

func synopsis(c *command) string {
	s := c.name
	if len(c.args) > 0 {
		s += " " + strings.Join(c.args, " ")
	}
	if c.flags != "" {
		s += " " + c.flags
	}
	return s
}

func writeOverview(w io.Writer) {
	fmt.Fprintf(w, "Key management (JSON on stdout; errors on stderr as \"pocketkms: <ErrorCode>: <message>\"):\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  pocketkms %s\n      %s\n", synopsis(&c), c.summary)
	}
	fmt.Fprintf(w, "\nKEY is a key id or an alias. Run \"pocketkms <command> --help\" for a command's flags.\n")
}

func writeGroup(w io.Writer, group string, subs []*command) {
	fmt.Fprintf(w, "usage:\n")
	for _, c := range subs {
		fmt.Fprintf(w, "  pocketkms %s\n      %s\n", synopsis(c), c.summary)
	}
}

func writeCommand(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: pocketkms %s\n\n%s\n", synopsis(c), c.summary)
	has := false
	fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintf(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

func commandsOf(group string) []*command {
	var out []*command
	for i := range commands {
		if strings.HasPrefix(commands[i].name, group+" ") {
			out = append(out, &commands[i])
		}
	}
	return out
}

func find(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}
