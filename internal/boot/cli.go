package boot

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/todoapp/resetmail/internal/config"
)

// Call is one run of a subcommand: the name it was called by, the
// arguments after that name, and the process's environment and output
// streams, passed in so that tests can give their own.
type Call struct {
	// Name is the subcommand as typed, so that an alias can tell itself
	// apart ("check-smtp").
	Name string
	// Args are the arguments after Name.
	Args []string
	// Getenv reads the environment.
	Getenv func(string) string
	// Stdout and Stderr are the output streams.
	Stdout, Stderr io.Writer
}

// LoadAPI loads the API's configuration from the variables it declares.
func (c Call) LoadAPI() (*config.API, error) {
	return config.LoadAPI(Environ(c.Getenv, &config.API{}))
}

// LoadWorker loads the worker's configuration from the variables it
// declares.
func (c Call) LoadWorker() (*config.Worker, error) {
	return config.LoadWorker(Environ(c.Getenv, &config.Worker{}))
}

// Env is the variable name, or def when it is unset or empty.
func (c Call) Env(name, def string) string {
	if v := c.Getenv(name); v != "" {
		return v
	}
	return def
}

// Command is what a subcommand runs.
type Command func(ctx context.Context, c Call) error

// CLI is a binary's command line: its subcommands, "serve" by default, and
// the version and help that every binary answers alike.
type CLI struct {
	// Name is the binary's name in the usage line.
	Name string
	// Help lists the binary's own commands, one "  name  what it does"
	// line each, for the usage text; version and help follow them.
	Help string
	// Version is what version prints.
	Version string
	// Commands maps each subcommand's name, aliases included, to what it
	// runs. It must hold "serve", the command run without arguments.
	Commands map[string]Command
}

// Usage is what help prints and what an unknown command is told.
func (cli CLI) Usage() string {
	return "usage: " + cli.Name + " [command]\n\nCommands:\n" + cli.Help + `
  version      print the version
  help         print this message

Configuration comes from the environment; see docs/environment.md.`
}

// Run runs the subcommand args[1] names (args[0] is the program), "serve"
// when there is none. An unknown one is a UsageError.
func (cli CLI) Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := Call{Name: "serve", Getenv: getenv, Stdout: stdout, Stderr: stderr}
	if len(args) > 1 {
		c.Name, c.Args = args[1], args[2:]
	}
	if cmd, ok := cli.Commands[c.Name]; ok {
		return cmd(ctx, c)
	}
	switch c.Name {
	case "version", "--version":
		_, err := fmt.Fprintln(stdout, cli.Version)
		return err
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, cli.Usage())
		return err
	}
	return UsageError{Msg: fmt.Sprintf("unknown command %q\n\n%s", c.Name, cli.Usage())}
}

// Main runs a binary's run with the process's arguments, environment and
// streams, until SIGINT or SIGTERM cancels its context. An error is printed
// to stderr and ends the process with ExitCode's status.
func Main(run func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		// os.Exit skips the deferred stop.
		stop()
		os.Exit(ExitCode(err))
	}
}
