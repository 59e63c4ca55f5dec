package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// bounceDomain is where the flaky sink rejects every recipient with 550.
const bounceDomain = "bounce.example.net"

// deliverable reports whether the flaky sink accepts mail for email at all.
func deliverable(email string) bool { return !strings.HasSuffix(email, "@"+bounceDomain) }

// runFlakySMTP sends resets through a sink that answers 451 to 30% of
// attempts, drops 5% of connections in the middle of DATA and rejects 1% of
// recipients with 550. Every accepted recipient must get exactly one mail;
// every rejected one must be tried once and cancelled.
func runFlakySMTP(ctx context.Context, d *drillRun) (*Result, error) {
	n := d.size(5000, 300)
	bounced := func(i int) bool { return i%100 == 42 }
	addrs := d.emails(n, func(i int) string {
		if bounced(i) {
			return bounceDomain
		}
		return "example.com"
	})
	var fs faultStats
	st, r, err := d.start(ctx, plan{
		workers: 2,
		sink: smtptest.Options{Fault: smtptest.Chain(
			smtptest.RejectDomain(bounceDomain),
			fs.tempFailRate(0.30),
			fs.dropDataRate(0.05),
		)},
		// A third of attempts fail, so the slowest of thousands of mails
		// needs about ten. The default backoff would spread those over
		// eight minutes; a short one keeps the drill inside its budget
		// without changing which path each failure takes. More attempts
		// than the default keep a long unlucky streak from being discarded.
		env:      []string{"EMAIL_RETRY_BASE", "100ms", "EMAIL_RETRY_MAX", "1s", "EMAIL_MAX_ATTEMPTS", "25"},
		users:    addrs,
		scenario: fmt.Sprintf("%d resets, 2 workers; the sink answers 451 to 30%% of RCPTs, drops the connection mid-DATA on 5%% of bodies and rejects 1%% of recipients (@%s) with 550", n, bounceDomain),
	})
	if err != nil {
		return nil, err
	}

	d.logf("sending %d resets", n)
	t := st.send(ctx, addrs, 32, 0)
	l, lost, err := st.settle(ctx, r, t, d.dur(6*time.Minute, 3*time.Minute), deliverable)
	if err != nil {
		return nil, err
	}
	var rejected, rejectedOnce, rejectedCancelled, maxAttempts, attempts int
	var notCompleted []string
	for _, email := range addrs {
		o := l.outcomes[email]
		attempts += o.Attempts
		maxAttempts = max(maxAttempts, o.Attempts)
		if deliverable(email) {
			if o.State != "completed" {
				notCompleted = append(notCompleted, fmt.Sprintf("%s is %s after %d attempts: %s", email, o.State, o.Attempts, o.LastError))
			}
			continue
		}
		rejected++
		if st.rcpts.count(email) == 1 && o.Attempts == 1 {
			rejectedOnce++
		}
		if o.State == "cancelled" && o.Outcome == "failed" && strings.Contains(o.LastError, "550") {
			rejectedCancelled++
		}
	}
	links := st.checkLinks(ctx, l, 20)

	r.add("451 replies injected", "%d", fs.tempFails.Load())
	r.add("connections dropped mid-DATA", "%d", fs.drops.Load())
	r.add("job attempts (all requests)", "%d (%.2f per request, most for one: %d)", attempts, float64(attempts)/float64(max(1, n)), maxAttempts)
	r.add("rejected recipients (550)", "%d: %d tried exactly once, %d cancelled with the 550 in the job error", rejected, rejectedOnce, rejectedCancelled)
	r.add("links checked via /verify", "%d of %d work", links.Working, links.Checked)
	r.add("202 to inbox", "%s", spread(l.delays(nil)))

	r.checkAllAccepted()
	r.checkNoneLost(lost)
	r.check(len(notCompleted) == 0, "%d deliverable jobs did not complete, e.g. %v", len(notCompleted), first(notCompleted, 3))
	r.check(rejectedOnce == rejected, "only %d of %d rejected recipients were tried exactly once", rejectedOnce, rejected)
	r.check(rejectedCancelled == rejected, "only %d of %d rejected recipients ended cancelled with the 550 recorded", rejectedCancelled, rejected)
	// No fault here can make the sink accept a mail the worker did not see
	// accepted (a drop happens before the body is stored), so any duplicate
	// would be a bug in the worker.
	r.check(r.Duplicates == 0, "%d duplicates, though no injected fault can cause one", r.Duplicates)
	r.check(len(links.Problems) == 0, "link problems: %v", first(links.Problems, 3))
	return r, nil
}

// first returns at most n items of list, for readable violation messages.
func first[T any](list []T, n int) []T {
	if len(list) > n {
		return list[:n]
	}
	return list
}
