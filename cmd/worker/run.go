package main

import (
	"context"
	"fmt"
	"io"

	"github.com/todoapp/resetmail/internal/boot"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: worker [command]

Commands:
  serve        work the email queue (the default)
  check-mail   prove the mail provider works without sending: SMTP connects, does TLS and AUTH and
               QUITs; resend and postmark prove the key; ses prints sandbox status and quota
               (--send-to ADDR also sends a test message; with --kind/--lang it sends
               the sample mail that preview shows)
  check-smtp   the old name of check-mail
  preview      write a sample mail to stdout from the templates, without database or SMTP:
               preview --kind reset --lang de [--format text|html|eml] [--to ADDR]
  suppression  the addresses no mail goes to: suppression list [--show-addresses] | add <email> | remove <email>
  trace        one message's story: trace <request-id|email> [--show-addresses]
  healthcheck  GET /healthz on WORKER_HTTP_ADDR; exit 0 when healthy, 1 otherwise
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
	case "healthcheck":
		return healthcheck(ctx, getenv)
	case "check-mail", "check-smtp":
		return checkMail(ctx, cmd, args[2:], getenv, stdout)
	case "suppression":
		return suppressionCmd(ctx, args[2:], getenv, stdout)
	case "trace":
		return traceCmd(ctx, args[2:], getenv, stdout)
	case "preview":
		return preview(args[2:], getenv, stdout, stderr)
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
