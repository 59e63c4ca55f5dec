package main

import (
	"context"
	"io"

	"github.com/todoapp/resetmail/internal/boot"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// help lists the commands of `worker help` besides version and help.
const help = `  serve        work the email queue (the default)
  check-mail   prove the mail provider works without sending: SMTP connects, does TLS and AUTH and
               QUITs; resend and postmark prove the key; ses prints sandbox status and quota
               (--send-to ADDR also sends a test message; with --kind/--lang it sends
               the sample mail that preview shows)
  check-smtp   the old name of check-mail
  preview      write a sample mail to stdout from the templates, without database or SMTP:
               preview --kind reset --lang de [--format text|html|eml] [--to ADDR]
  suppression  the addresses no mail goes to: suppression list [--show-addresses] | add <email> | remove <email>
  trace        one message's story: trace <request-id|email> [--show-addresses]
  healthcheck  GET /healthz on WORKER_HTTP_ADDR; exit 0 when healthy, 1 otherwise`

// run is the whole program, with its inputs passed in so that tests can call
// it with their own environment, arguments and output streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	commands := map[string]boot.Command{
		"serve": serve, "healthcheck": healthcheck, "preview": preview,
		"check-mail": checkMail, "check-smtp": checkMail,
		"suppression": suppressionCmd, "trace": traceCmd,
	}
	return boot.CLI{Name: "worker", Help: help, Version: version, Commands: commands}.Run(ctx, args, getenv, stdout, stderr)
}
