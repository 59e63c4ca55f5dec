package main

import (
	"context"
	"fmt"
	"io"

	"github.com/todoapp/resetmail/internal/boot"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: api [command]

Commands:
  serve        serve the HTTP API (the default)
  migrate      apply pending database migrations (the app's and River's), then exit
  healthcheck  GET /healthz on this host's PORT; exit 0 when healthy, 1 otherwise
  version      print the version
  help         print this message

Configuration comes from the environment; see docs/environment.md.`

// run is the whole program, with its inputs passed in so that tests can call
// it with their own environment, arguments and output streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 1 {
		cmd = args[1]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout)
	case "migrate":
		return migrate(ctx, getenv, stdout)
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "version", "--version":
		_, err := fmt.Fprintln(stdout, version)
		return err
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, usage)
		return err
	default:
		return boot.UsageError{Msg: fmt.Sprintf("unknown command %q\n\n%s", cmd, usage)}
	}
}
