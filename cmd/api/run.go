package main

import (
	"context"
	"io"

	"github.com/todoapp/resetmail/internal/boot"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// help lists the commands of `api help` besides version and help.
const help = `  serve        serve the HTTP API (the default)
  migrate      apply pending database migrations (the app's and River's), then exit
  healthcheck  GET /healthz on this host's PORT; exit 0 when healthy, 1 otherwise`

// run is the whole program, with its inputs passed in so that tests can call
// it with their own environment, arguments and output streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	commands := map[string]boot.Command{"serve": serve, "migrate": migrate, "healthcheck": healthcheck}
	return boot.CLI{Name: "api", Help: help, Version: version, Commands: commands}.Run(ctx, args, getenv, stdout, stderr)
}
