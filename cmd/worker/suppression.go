package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/todoapp/resetmail/internal/auth"
	"github.com/todoapp/resetmail/internal/boot"
	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/redact"
)

const suppressionUsage = `usage: worker suppression list [--show-addresses]
       worker suppression add <email>
       worker suppression remove <email>

The suppression list holds the addresses no mail goes to: those that hard-bounced or complained (from the
providers' webhooks), those an SMTP server called unknown (5.1.1, 5.1.10), and those added here. The worker
skips mail to them silently; the API answers as always. list masks addresses unless --show-addresses is given.`

// openEvents opens the event store with the database settings alone, so
// that on-call can run these commands without the worker's secrets.
func openEvents(ctx context.Context, c boot.Call) (*mailevent.Store, func(), error) {
	cfg, err := c.LoadWorker()
	if err := boot.ProblemsAbout(err, boot.DatabaseNames()...); err != nil {
		return nil, nil, err
	}
	problems := &config.Error{}
	pool := boot.Database(ctx, &cfg.Common, problems)
	if err := problems.Err(); err != nil {
		return nil, nil, err
	}
	return mailevent.NewStore(pool), pool.Close, nil
}

// suppressionCmd is `worker suppression list|add|remove`.
func suppressionCmd(ctx context.Context, c boot.Call) error {
	args := c.Args
	if len(args) == 0 {
		return boot.UsageError{Msg: suppressionUsage}
	}
	sub := args[0]
	fs := flag.NewFlagSet("suppression "+sub, flag.ContinueOnError)
	fs.SetOutput(c.Stdout)
	show := fs.Bool("show-addresses", false, "print whole addresses instead of masked ones")
	if err := fs.Parse(args[1:]); err != nil {
		return boot.UsageError{Msg: err.Error() + "\n\n" + suppressionUsage}
	}
	var addr string
	switch sub {
	case "list":
		if fs.NArg() != 0 {
			return boot.UsageError{Msg: suppressionUsage}
		}
	case "add", "remove":
		if fs.NArg() != 1 || *show {
			return boot.UsageError{Msg: suppressionUsage}
		}
		a, err := auth.NormalizeEmail(fs.Arg(0))
		if err != nil {
			return boot.UsageError{Msg: fmt.Sprintf("%s: email %v", sub, err)}
		}
		addr = a
	default:
		return boot.UsageError{Msg: fmt.Sprintf("unknown suppression command %q\n\n%s", sub, suppressionUsage)}
	}
	store, closeStore, err := openEvents(ctx, c)
	if err != nil {
		return err
	}
	defer closeStore()
	if sub != "list" {
		return changeSuppression(ctx, store, sub, addr, c.Stdout)
	}
	list, err := store.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tREASON\tSOURCE\tMESSAGE\tSINCE")
	for _, s := range list {
		email := s.Email
		if !*show {
			email = redact.Email(email)
		}
		msg := s.MessageID
		if msg == "" {
			msg = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", email, s.Reason, s.Source, msg, s.CreatedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(tw, "%d suppressed\n", len(list))
	return tw.Flush()
}

// changeSuppression adds addr to the suppression list or removes it, as sub
// says, and tells whether that changed anything.
func changeSuppression(ctx context.Context, store *mailevent.Store, sub, addr string, stdout io.Writer) error {
	var changed bool
	var err error
	done, unchanged := "suppressed %s: no mail goes to it until `worker suppression remove`\n", "%s was already suppressed\n"
	if sub == "add" {
		changed, err = store.Suppress(ctx, addr, mailevent.ReasonManual, mailevent.SourceOperator, "")
	} else {
		changed, err = store.Unsuppress(ctx, addr)
		done, unchanged = "removed %s: the next mail to it is sent\n", "%s was not suppressed\n"
	}
	if err != nil {
		return err
	}
	if !changed {
		done = unchanged
	}
	_, err = fmt.Fprintf(stdout, done, redact.Email(addr))
	return err
}

const traceUsage = `usage: worker trace <request-id|email> [--show-addresses]

Prints one message's story: requested -> queued -> sent (provider, message ID) -> delivered / bounced /
complained, with times; for an address, every recent reset and sign-up request to it, the provider events
that match none, and whether it is suppressed. Addresses are masked unless --show-addresses is given.`

// traceCmd is `worker trace`.
func traceCmd(ctx context.Context, c boot.Call) error {
	args := c.Args
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	fs.SetOutput(c.Stdout)
	show := fs.Bool("show-addresses", false, "print whole addresses instead of masked ones")
	// The query may come before or after the flag.
	var query string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		query, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return boot.UsageError{Msg: err.Error() + "\n\n" + traceUsage}
	}
	if query == "" && fs.NArg() == 1 {
		query = fs.Arg(0)
	} else if fs.NArg() != 0 || query == "" {
		return boot.UsageError{Msg: traceUsage}
	}
	store, closeStore, err := openEvents(ctx, c)
	if err != nil {
		return err
	}
	defer closeStore()
	t, err := store.Trace(ctx, query)
	if errors.Is(err, mailevent.ErrTraceQuery) {
		return boot.UsageError{Msg: err.Error() + "\n\n" + traceUsage}
	}
	if err != nil {
		return err
	}
	return t.Write(c.Stdout, *show)
}
